package fanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type target int

func (t target) String() string { return fmt.Sprintf("ws-%02d", int(t)) }

func targets(n int) []target {
	out := make([]target, n)
	for i := range out {
		out[i] = target(i)
	}
	return out
}

func TestRunBoundsConcurrencyAndKeepsOrder(t *testing.T) {
	var inFlight, peak atomic.Int64
	var progress []int
	outs := Run(context.Background(), targets(23), Options{Concurrency: 4, Progress: func(done, total int, last string) {
		if total != 23 || !strings.HasPrefix(last, "ws-") {
			t.Errorf("progress(%d, %d, %q)", done, total, last)
		}
		progress = append(progress, done)
	}}, func(ctx context.Context, tg target) (string, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		if tg == 7 {
			return "", errors.New("workspace 7 is broken")
		}
		return tg.String(), nil
	})
	if peak.Load() > 4 || peak.Load() < 2 {
		t.Errorf("peak concurrency %d, want 2..4", peak.Load())
	}
	for i, o := range outs {
		if o.Target != target(i) {
			t.Fatalf("outcome %d is for %v", i, o.Target)
		}
		if i == 7 {
			if o.Err == nil {
				t.Error("target 7 error lost")
			}
			continue
		}
		if o.Err != nil || o.Value != target(i).String() || o.Elapsed <= 0 {
			t.Errorf("outcome %d: %+v", i, o)
		}
	}
	if len(progress) != 23 || progress[22] != 23 {
		t.Errorf("progress calls: %v", progress)
	}
	if f := Failed(outs); len(f) != 1 || f[0].Target != 7 {
		t.Errorf("Failed = %+v", f)
	}
}

func TestPerTargetTimeout(t *testing.T) {
	outs := Run(context.Background(), targets(3), Options{PerTargetTimeout: 30 * time.Millisecond}, func(ctx context.Context, tg target) (int, error) {
		if tg == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return int(tg), nil
	})
	if !errors.Is(outs[1].Err, ErrTimeout) || !strings.Contains(outs[1].Err.Error(), "timed out after 30ms") {
		t.Errorf("slow target: %v", outs[1].Err)
	}
	if outs[0].Err != nil || outs[2].Err != nil {
		t.Errorf("fast targets: %v %v", outs[0].Err, outs[2].Err)
	}
}

// When the caller's own deadline comes first, a target's error is the caller's deadline, not a
// per-target timeout (which would advise raising azure.fanout.per_workspace_timeout in vain).
func TestCallerDeadlineIsNotAPerTargetTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	outs := Run(ctx, targets(1), Options{PerTargetTimeout: time.Minute}, func(ctx context.Context, _ target) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if errors.Is(outs[0].Err, ErrTimeout) || !errors.Is(outs[0].Err, context.DeadlineExceeded) {
		t.Errorf("err %v", outs[0].Err)
	}
}

func TestCancellationStopsTheRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int64
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	outs := Run(ctx, targets(50), Options{Concurrency: 2}, func(ctx context.Context, tg target) (int, error) {
		started.Add(1)
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
			return int(tg), nil
		}
	})
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("Run returned %s after cancellation", time.Since(start))
	}
	if s := started.Load(); s != 2 {
		t.Errorf("%d targets started after cancellation", s)
	}
	notStarted := 0
	for _, o := range outs {
		if errors.Is(o.Err, ErrNotStarted) {
			notStarted++
		} else if !errors.Is(o.Err, context.Canceled) {
			t.Errorf("%v: %v", o.Target, o.Err)
		}
	}
	if notStarted != 48 {
		t.Errorf("%d targets marked not started", notStarted)
	}
}

func TestPanicBecomesTheTargetsError(t *testing.T) {
	outs := Run(context.Background(), targets(2), Options{}, func(ctx context.Context, tg target) (int, error) {
		if tg == 0 {
			var m map[string]int
			m["x"]++
		}
		return 1, nil
	})
	var pe *panicError
	if !errors.As(outs[0].Err, &pe) || !strings.Contains(outs[0].Err.Error(), "ws-00") || strings.Contains(outs[0].Err.Error(), "goroutine") || len(pe.Stack()) == 0 {
		t.Errorf("panic outcome: %v", outs[0].Err)
	}
	if outs[1].Err != nil || outs[1].Value != 1 {
		t.Errorf("other target: %+v", outs[1])
	}
}

func TestEmpty(t *testing.T) {
	if outs := Run(context.Background(), []target(nil), Options{}, func(context.Context, target) (int, error) { return 0, nil }); len(outs) != 0 {
		t.Errorf("%v", outs)
	}
}
