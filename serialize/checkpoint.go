package serialize

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// Checkpoint is everything needed to resume training where it stopped: the model's
// parameters and buffers, the optimizer's state, the LR scheduler's progress, the state of
// eager's default random generator, and the epoch and step counters. SaveCheckpoint writes it
// as one safetensors file (tensors under "model/..." and "optim/<param>/<buffer>", the rest
// as JSON in the metadata), atomically.
type Checkpoint struct {
	Model     nn.Module
	Optimizer optim.Optimizer   // may be nil
	Scheduler optim.Scheduler   // may be nil
	Epoch     int               // epochs completed
	Step      int               // optimizer steps completed
	Extra     map[string]string // free-form metadata kept with the checkpoint
}

type checkpointMeta struct {
	Version   int                   `json:"version"`
	Epoch     int                   `json:"epoch"`
	Step      int                   `json:"step"`
	RNG       string                `json:"rng"`
	Steps     map[string]int64      `json:"optim_steps,omitempty"`
	Groups    []optim.GroupState    `json:"optim_groups,omitempty"`
	Scheduler *optim.SchedulerState `json:"scheduler,omitempty"`
	Extra     map[string]string     `json:"extra,omitempty"`
}

// SaveCheckpoint writes c to path atomically: a crash mid-save leaves the previous file.
func SaveCheckpoint(path string, c *Checkpoint) error {
	if c.Model == nil {
		return fmt.Errorf("serialize: checkpoint without a model")
	}
	tensors := map[string]*eager.Tensor{}
	for k, t := range StateDict(c.Model) {
		tensors["model/"+k] = t
	}
	meta := checkpointMeta{Version: 1, Epoch: c.Epoch, Step: c.Step, Extra: c.Extra,
		RNG: base64.StdEncoding.EncodeToString(eager.DefaultGenerator().State())}
	if c.Optimizer != nil {
		sd := c.Optimizer.StateDict()
		meta.Groups = sd.Groups
		meta.Steps = map[string]int64{}
		for i, ps := range sd.State {
			meta.Steps[strconv.Itoa(i)] = ps.Step
			for name, buf := range ps.Buffers {
				if buf != nil {
					tensors[fmt.Sprintf("optim/%d/%s", i, name)] = buf
				}
			}
		}
	}
	if c.Scheduler != nil {
		st := c.Scheduler.StateDict()
		meta.Scheduler = &st
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return SaveSafetensors(path, tensors, map[string]string{"eager.checkpoint": string(mj)})
}

// LoadCheckpoint reads path into c: it loads the model's tensors (strictly), the optimizer's
// and scheduler's state when c has them, and the default generator's state, and sets
// c.Epoch, c.Step and c.Extra. Build the model, optimizer and scheduler as for the original
// run before loading.
func LoadCheckpoint(path string, c *Checkpoint) error {
	tensors, md, err := LoadSafetensors(path)
	if err != nil {
		return err
	}
	raw, ok := md["eager.checkpoint"]
	if !ok {
		return fmt.Errorf("serialize: %s is not an eager checkpoint (no eager.checkpoint metadata): %w", path, ErrFormat)
	}
	var meta checkpointMeta
	if err := json.Unmarshal([]byte(raw), &meta); err != nil {
		return fmt.Errorf("serialize: %s: bad checkpoint metadata: %v: %w", path, err, ErrFormat)
	}
	if meta.Version != 1 {
		return fmt.Errorf("serialize: %s: unsupported checkpoint version %d: %w", path, meta.Version, ErrFormat)
	}
	model := map[string]*eager.Tensor{}
	bufs := map[int]map[string]*eager.Tensor{}
	for k, t := range tensors {
		switch {
		case strings.HasPrefix(k, "model/"):
			model[strings.TrimPrefix(k, "model/")] = t
		case strings.HasPrefix(k, "optim/"):
			parts := strings.SplitN(strings.TrimPrefix(k, "optim/"), "/", 2)
			i, err := strconv.Atoi(parts[0])
			if len(parts) != 2 || err != nil {
				return fmt.Errorf("serialize: %s: bad optimizer tensor name %q: %w", path, k, ErrFormat)
			}
			if bufs[i] == nil {
				bufs[i] = map[string]*eager.Tensor{}
			}
			bufs[i][parts[1]] = t
		default:
			return fmt.Errorf("serialize: %s: unexpected tensor %q in checkpoint: %w", path, k, ErrFormat)
		}
	}
	rng, err := base64.StdEncoding.DecodeString(meta.RNG)
	if err != nil {
		return fmt.Errorf("serialize: %s: bad generator state: %w", path, ErrFormat)
	}
	if err := LoadStateDict(c.Model, model, true); err != nil {
		return err
	}
	if c.Optimizer != nil {
		sd := &optim.StateDict{State: map[int]*optim.ParamState{}, Groups: meta.Groups}
		for k, step := range meta.Steps {
			i, err := strconv.Atoi(k)
			if err != nil {
				return fmt.Errorf("serialize: %s: bad optimizer state index %q: %w", path, k, ErrFormat)
			}
			sd.State[i] = &optim.ParamState{Step: step, Buffers: bufs[i]}
		}
		if err := eager.Try(func() { c.Optimizer.LoadStateDict(sd) }); err != nil {
			return fmt.Errorf("serialize: %s: optimizer state does not fit this optimizer: %w", path, err)
		}
	}
	if c.Scheduler != nil && meta.Scheduler != nil {
		if err := eager.Try(func() { c.Scheduler.LoadStateDict(*meta.Scheduler) }); err != nil {
			return fmt.Errorf("serialize: %s: scheduler state does not fit this scheduler: %w", path, err)
		}
	}
	if err := eager.DefaultGenerator().Restore(rng); err != nil {
		return fmt.Errorf("serialize: %s: bad generator state: %v: %w", path, err, ErrFormat)
	}
	c.Epoch, c.Step, c.Extra = meta.Epoch, meta.Step, meta.Extra
	return nil
}
