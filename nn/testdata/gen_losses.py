"""Reference values for eager's nn losses, from PyTorch. Run by hand:
/usr/bin/python3 nn/testdata/gen_losses.py  (writes nn/testdata/losses.json)."""
import json, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata", "gen"))
import torch
import torch.nn.functional as F
from common import case

torch.manual_seed(0)
cases = []
f64 = torch.float64
def r(*s): return torch.randn(*s, dtype=f64)

N, C = 5, 4
logits = r(N, C) * 3
tgt = torch.tensor([0, 3, 1, 1, 2])
tgt_ign = torch.tensor([0, -100, 1, 3, -100])
w = torch.rand(C, dtype=f64) + 0.5
probs = torch.softmax(r(N, C), 1)
for red in ["mean", "sum", "none"]:
    cases.append(case("ce_" + red, "CrossEntropy", lambda x, t: F.cross_entropy(x, t, reduction=red), [logits, tgt], {"reduction": red}))
    cases.append(case("ce_w_" + red, "CrossEntropy", lambda x, t, w: F.cross_entropy(x, t, weight=w, reduction=red), [logits, tgt, w], {"reduction": red, "weight": True}, grad=False))
    cases.append(case("ce_ls_" + red, "CrossEntropy", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1, reduction=red), [logits, tgt], {"reduction": red, "smoothing": 0.1}))
    cases.append(case("ce_ign_" + red, "CrossEntropy", lambda x, t: F.cross_entropy(x, t, reduction=red), [logits, tgt_ign], {"reduction": red}))
    cases.append(case("ce_ign_ls_w_" + red, "CrossEntropy", lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2, reduction=red), [logits, tgt_ign, w], {"reduction": red, "smoothing": 0.2, "weight": True}, grad=False))
    cases.append(case("ce_prob_" + red, "CrossEntropy", lambda x, t: F.cross_entropy(x, t, reduction=red), [logits, probs], {"reduction": red}))
    cases.append(case("ce_prob_ls_" + red, "CrossEntropy", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.3, reduction=red), [logits, probs], {"reduction": red, "smoothing": 0.3}))
    cases.append(case("mse_" + red, "MSE", lambda a, b: F.mse_loss(a, b, reduction=red), [r(3, 4), r(3, 4)], {"reduction": red}))
    cases.append(case("l1_" + red, "L1", lambda a, b: F.l1_loss(a, b, reduction=red), [r(3, 4), r(3, 4)], {"reduction": red}))
    cases.append(case("smoothl1_" + red, "SmoothL1", lambda a, b: F.smooth_l1_loss(a, b, reduction=red, beta=0.7), [r(3, 4), r(3, 4)], {"reduction": red, "beta": 0.7}))
    cases.append(case("huber_" + red, "Huber", lambda a, b: F.huber_loss(a, b, reduction=red, delta=0.6), [r(3, 4), r(3, 4)], {"reduction": red, "delta": 0.6}))
    p = torch.rand(3, 4, dtype=f64) * 0.9 + 0.05
    y = (torch.rand(3, 4) > 0.5).to(f64)
    cases.append(case("bce_" + red, "BCE", lambda a, b: F.binary_cross_entropy(a, b, reduction=red), [p, y], {"reduction": red}))
    cases.append(case("bcelogits_" + red, "BCEWithLogits", lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=red), [r(3, 4) * 4, y], {"reduction": red}))
    pw = torch.rand(4, dtype=f64) + 0.5
    cases.append(case("bcelogits_pw_" + red, "BCEWithLogits", lambda a, b, pw: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw, reduction=red), [r(3, 4) * 4, y, pw], {"reduction": red, "pos_weight": True}, grad=False))
    lp = torch.log_softmax(r(3, 4), 1)
    cases.append(case("kldiv_" + red, "KLDiv", lambda a, b: F.kl_div(a, b, reduction=red), [lp, torch.softmax(r(3, 4), 1)], {"reduction": red}))
    cases.append(case("kldiv_log_" + red, "KLDiv", lambda a, b: F.kl_div(a, b, reduction=red, log_target=True), [lp, torch.log_softmax(r(3, 4), 1)], {"reduction": red, "log_target": True}))
    cases.append(case("cosemb_" + red, "CosineEmbedding", lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2, reduction=red), [r(5, 3), r(5, 3), torch.tensor([1, -1, 1, -1, -1])], {"reduction": red, "margin": 0.2}))
    cases.append(case("triplet_" + red, "TripletMargin", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=0.5, reduction=red), [r(4, 3), r(4, 3), r(4, 3)], {"reduction": red, "margin": 0.5}))
cases.append(case("kldiv_batchmean", "KLDiv", lambda a, b: F.kl_div(a, b, reduction="batchmean"), [torch.log_softmax(r(3, 4), 1), torch.softmax(r(3, 4), 1)], {"reduction": "batchmean"}))
# spatial cross-entropy [N, C, H, W] and unbatched [C]
cases.append(case("ce_spatial", "CrossEntropy", lambda x, t: F.cross_entropy(x, t), [r(2, 3, 2, 2), torch.randint(0, 3, (2, 2, 2))], {"reduction": "mean"}))
cases.append(case("ce_unbatched", "CrossEntropy", lambda x, t: F.cross_entropy(x, t), [r(4), torch.tensor(2)], {"reduction": "mean"}))
cases.append(case("nll", "NLL", lambda x, t: F.nll_loss(x, t), [torch.log_softmax(r(N, C), 1), tgt_ign], {"reduction": "mean"}))
# hard inputs: large logits
cases.append(case("ce_large", "CrossEntropy", lambda x, t: F.cross_entropy(x, t), [r(3, 5) * 300, torch.tensor([0, 4, 2])], {"reduction": "mean"}))

with open(os.path.join(HERE, "losses.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", len(cases), "cases")
