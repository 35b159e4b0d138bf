package nn

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

func thisLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// TestAnomalyNamesPlantedNaN plants log of a negative number in the middle of a Sequential
// (tanh lies in (-1, 1), so tanh - 2 is negative) and checks that anomaly mode stops at that
// op and names the line of this file that called it, deep inside Forward.
func TestAnomalyNamesPlantedNaN(t *testing.T) {
	eager.ManualSeed(1)
	var logLine int
	model := NewSequential(
		NewLinear(4, 8), &Tanh{},
		&Func{Fn: func(x *eager.Tensor) *eager.Tensor {
			logLine = thisLine() + 1
			return x.SubScalar(2).Log()
		}},
		NewLinear(8, 3), &ReLU{},
		NewLinear(3, 2),
	)
	x := eager.Randn(5, 4)
	target := eager.FromSlice([]int64{0, 1, 0, 1, 1})

	// Without anomaly mode the NaN flows silently into the loss.
	if loss := CrossEntropy(model.Forward(x), target); !math.IsNaN(loss.Item()) {
		t.Fatalf("loss = %v, want NaN", loss.Item())
	}

	var err error
	eager.DetectAnomaly(func() {
		err = eager.Try(func() { CrossEntropy(model.Forward(x), target).Backward() })
	})
	var e *eager.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *eager.Error, got %v", err)
	}
	want := fmt.Sprintf("anomaly_test.go:%d", logLine)
	if e.Op != "Log" || e.Where != want {
		t.Fatalf("got %v\nwant the Log at %s", e, want)
	}
	for _, m := range []string{"forward produced NaN or Inf", "output of shape [5 8]", "input 0: shape [5 8] float32"} {
		if !strings.Contains(e.Msg, m) {
			t.Errorf("report lacks %q: %s", m, e.Msg)
		}
	}
	if strings.Contains(e.Msg, "already held NaN/Inf") {
		t.Errorf("the input was finite: %s", e.Msg)
	}
	for _, p := range model.Parameters() {
		if p.Grad() != nil {
			t.Fatal("the failed run reached backward")
		}
	}
}

// TestAnomalyNamesBackwardInf plants sqrt after a ReLU: the forward is finite, but the gradient
// of sqrt at the zeros ReLU makes is infinite. Anomaly mode names SqrtBackward and the line
// of this file that created the Sqrt.
func TestAnomalyNamesBackwardInf(t *testing.T) {
	eager.ManualSeed(2)
	var sqrtLine int
	model := NewSequential(
		NewLinear(4, 16), &ReLU{},
		&Func{Fn: func(x *eager.Tensor) *eager.Tensor {
			sqrtLine = thisLine() + 1
			return x.Sqrt()
		}},
		NewLinear(16, 1),
	)
	x := eager.Randn(8, 4)
	var err error
	eager.DetectAnomaly(func() {
		loss := model.Forward(x).Square().Mean()
		err = eager.Try(func() { loss.Backward() })
	})
	var e *eager.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *eager.Error, got %v", err)
	}
	want := fmt.Sprintf("anomaly_test.go:%d", sqrtLine)
	if e.Op != "SqrtBackward" || e.Where != want || !strings.Contains(e.Msg, "created at "+want) {
		t.Fatalf("got %v\nwant SqrtBackward created at %s", e, want)
	}
}
