#!/usr/bin/python3
"""Derives the polynomial coefficients of gelu.go (geluS, geluP).

Run: /usr/bin/python3 internal/kernels/gelu_fit.py  (needs numpy and mpmath, Debian's
python3-numpy and python3-mpmath). It prints each fit's largest relative error and its
coefficients, lowest degree first.

  S(u) = (Phi(x) - 1/2) / x with u = x^2, on |x| < 0.5 (degree 4);
  R(s) = erfc(s/sqrt2) * exp(s^2/2) = P(t) with t = 1/(1 + s/4), on 0.5 <= s <= 14.6 (degree 10).

Each is a weighted least-squares fit on Chebyshev-spaced points, the weights moved toward
the points of largest relative error for 200 rounds (Lawson's iteration toward the minimax
fit); the reference values come from mpmath at 40 digits.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def fit(xs, ys, deg):
    w = np.ones_like(xs)
    v = np.vander(xs, deg + 1, increasing=True)
    best = None
    for _ in range(200):
        c, *_ = np.linalg.lstsq(v * w[:, None] / ys[:, None], w, rcond=None)
        err = (v @ c - ys) / ys
        m = np.abs(err).max()
        if best is None or m < best[1]:
            best = (c, m)
        w = w * (np.abs(err) / m) ** 0.3 + 1e-14
        w /= w.max()
    return best


def cheb(lo, hi, n):
    return lo + (hi - lo) * (1 - np.cos(np.linspace(0, np.pi, n))) / 2


def main():
    small, tmax, k, n = 0.5, 14.6, 0.25, 3000
    u = cheb(0, small * small, n)
    u[0] = 1e-14
    s_of_u = np.array([float(mp.erf(mp.sqrt(v) / mp.sqrt(2)) / 2 / mp.sqrt(v)) for v in u])
    c, e = fit(u, s_of_u, 4)
    print("geluS: max rel error %.3g" % e)
    print(", ".join("%.17g" % v for v in c))
    t = cheb(1 / (1 + k * tmax), 1 / (1 + k * small), n)
    s = (1 / t - 1) / k
    r = np.array([float(mp.erfc(mp.mpf(v) / mp.sqrt(2)) * mp.exp(mp.mpf(v) ** 2 / 2)) for v in s])
    c, e = fit(t, r, 10)
    print("geluP: max rel error %.3g" % e)
    print(", ".join("%.17g" % v for v in c))


if __name__ == "__main__":
    main()
