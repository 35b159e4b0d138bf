package serialize

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eagerml/eager"
)

// killChildEnv makes the test binary, re-executed by TestAtomicSaveSurvivesKill, save
// checkpoints in a loop until it is killed.
const killChildEnv = "SERIALIZE_KILL_CHILD_PATH"

// checkpoint returns a state of about 4 MB whose every element is v, so that a torn file
// (part old, part new) is easy to spot.
func checkpoint(v float64) map[string]*eager.Tensor {
	return map[string]*eager.Tensor{
		"a": eager.Full(v, 512, 1024),
		"b": eager.FullOf(eager.Float64, v, 1000),
		"c": eager.FullOf(eager.Int64, v, 3),
	}
}

// checkCheckpoint loads path and returns the value all its elements hold.
func checkCheckpoint(t *testing.T, path string) float64 {
	t.Helper()
	ts, meta, err := LoadSafetensors(path)
	if err != nil {
		t.Fatalf("the checkpoint does not load: %v", err)
	}
	v := ts["c"].Float64s()[0]
	if meta["value"] == "" || len(ts) != 3 {
		t.Fatalf("checkpoint has %d tensors and metadata %v", len(ts), meta)
	}
	for _, name := range []string{"a", "b", "c"} {
		for i, x := range ts[name].Float64s() {
			if x != v {
				t.Fatalf("torn checkpoint: %s[%d] = %v, c[0] = %v", name, i, x, v)
			}
		}
	}
	return v
}

// TestAtomicSaveSurvivesKill runs a child process that saves two alternating checkpoints to
// one path as fast as it can, kills it (SIGKILL) after a random delay, and checks that the
// file on disk is always one of the two, whole. Repeated many times, most kills land in the
// middle of a save.
func TestAtomicSaveSurvivesKill(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		os.Stdout.WriteString("ready\n")
		for i := 1; ; i++ {
			v := float64(1 + i%2)
			if err := SaveSafetensors(path, checkpoint(v), map[string]string{"value": "x"}); err != nil {
				os.Exit(3)
			}
		}
	}
	if testing.Short() {
		t.Skip("kills child processes; skipped in -short mode")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	start := time.Now()
	if err := SaveSafetensors(path, checkpoint(1), map[string]string{"value": "x"}); err != nil {
		t.Fatal(err)
	}
	// Kill within about three saves' time after the child is ready, measured here so that the
	// test works on slow machines and under the race detector.
	window := 3 * time.Since(start)
	rounds := 40
	seen := map[float64]int{}
	for r := 0; r < rounds; r++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAtomicSaveSurvivesKill$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make([]byte, 6)
		if _, err := io.ReadFull(out, ready); err != nil || string(ready) != "ready\n" {
			t.Fatalf("child did not start: %q, %v", ready, err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(window))))
		cmd.Process.Kill()
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 3 {
			t.Fatalf("child ended with %v, want a kill", err)
		}
		seen[checkCheckpoint(t, path)]++
	}
	entries, _ := os.ReadDir(dir)
	t.Logf("after %d kills the file held checkpoint 1 %d times and 2 %d times; %d kills landed mid-save (temporary files left)",
		rounds, seen[1], seen[2], len(entries)-1)
	if seen[2] == 0 {
		t.Errorf("the child never completed a save in %d rounds", rounds)
	}
}

func TestAtomicWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := AtomicWriteFile(path, func(w io.Writer) error {
		w.Write([]byte("partial new content"))
		return boom
	}); err != boom {
		t.Errorf("error %v, want boom", err)
	}
	func() {
		defer func() { recover() }()
		AtomicWriteFile(path, func(w io.Writer) error { panic("write panicked") })
	}()
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("failed writes changed the file to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	if err := AtomicWriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("file is %q with mode %v, want \"new\" with the old mode 0600", b, st.Mode().Perm())
	}
	fresh := filepath.Join(dir, "fresh.bin")
	if err := AtomicWriteFile(fresh, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file has mode %v, want 0644", st.Mode().Perm())
	}
	for _, p := range []string{filepath.Join(dir, "missing", "f.bin"), dir + string(filepath.Separator)} {
		if err := AtomicWriteFile(p, func(w io.Writer) error { return nil }); err == nil {
			t.Errorf("AtomicWriteFile(%q) succeeded", p)
		}
	}
	if err := SaveSafetensors(path, map[string]*eager.Tensor{"x": nil}, nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("saving a nil tensor: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("a failed save changed the file")
	}
}
