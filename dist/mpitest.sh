#!/usr/bin/env bash
# Runs the MPI tests of package dist under mpirun on this machine (2 processes), then two
# failure drills: a rank that exits abruptly mid-training (mpirun must end the job with an
# error, and rank 0's checkpoint must still load) and a rank that hangs (the collective
# timeout must abort the job). Needs Open MPI: apt-get install -y libopenmpi-dev openmpi-bin
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mpirun >/dev/null || ! pkg-config --exists ompi; then
	echo "mpitest: Open MPI not found (mpirun, pkg-config ompi); install libopenmpi-dev and openmpi-bin" >&2
	exit 2
fi
np=${NP:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# As root (CI), in containers (no ptrace for single-copy shared memory), more ranks than
# cores: what this machine needs to run mpirun at all.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun=(mpirun --allow-run-as-root --oversubscribe -np "$np")

echo "== vet and build the test binary with -tags mpi"
go vet -tags mpi ./dist
go test -c -tags mpi -o "$tmp/dist.test" ./dist

echo "== mpirun -np $np: collectives, DataParallel vs one process on the global batch"
rc=0
"${mpirun[@]}" "$tmp/dist.test" -test.run 'TestMPI' -test.count=1 -test.v >"$tmp/out" 2>&1 || rc=$?
grep -E '^--- (PASS|FAIL)|mpi_test.go:[0-9]+: [0-9]+ ranks' "$tmp/out" || true
passes=$(grep -c '^--- PASS: TestMPIDataParallel ' "$tmp/out" || true)
if [ "$rc" != 0 ] || [ "$passes" != "$np" ] || grep -q '^--- FAIL' "$tmp/out"; then
	echo "mpitest: MPI tests failed: mpirun exit status $rc, TestMPIDataParallel passed on $passes of $np ranks" >&2
	cat "$tmp/out" >&2
	exit 1
fi

# drill runs mpirun with a bound on its time and checks that the job failed (not hung) with
# the expected message.
drill() {
	local name=$1 want=$2
	shift 2
	local start=$SECONDS rc=0
	timeout 120 "${mpirun[@]}" "$@" >"$tmp/$name.out" 2>&1 || rc=$?
	local took=$((SECONDS - start))
	if [ "$rc" = 0 ] || [ "$rc" = 124 ] || ! grep -q "$want" "$tmp/$name.out"; then
		echo "mpitest: $name drill: exit status $rc after ${took}s, want a failed job mentioning '$want':" >&2
		cat "$tmp/$name.out" >&2
		exit 1
	fi
	echo "$name drill: the job failed with status $rc after ${took}s, as it should:"
	grep -E "$want|simulated|dist:" "$tmp/$name.out" | head -3 | sed 's/^/    /'
}

echo "== drill: a rank exits abruptly while rank 0 checkpoints every step"
EAGER_MPI_DEATH_TEST="$tmp/ck.safetensors" drill death 'exited with non-zero status' \
	-x EAGER_MPI_DEATH_TEST "$tmp/dist.test" -test.run 'TestMPIRankDies$' -test.count=1
EAGER_MPI_CHECK_CKPT="$tmp/ck.safetensors" "$tmp/dist.test" -test.run 'TestMPICheckpointIntact$' -test.count=1 -test.v | grep -E 'checkpoint|^(ok|PASS|FAIL)'

echo "== drill: a rank hangs; the others' collective times out and aborts the job"
EAGER_MPI_HANG_TEST=1 EAGER_DIST_TIMEOUT=3s drill hang 'has not completed after' \
	-x EAGER_MPI_HANG_TEST -x EAGER_DIST_TIMEOUT "$tmp/dist.test" -test.run 'TestMPIRankHangs$' -test.count=1

# The closing line CI reads: test functions passed on all ranks, plus the three drill checks.
echo "mpitest: $(($(grep -c '^--- PASS' "$tmp/out") + 3)) passed, 0 failed"
