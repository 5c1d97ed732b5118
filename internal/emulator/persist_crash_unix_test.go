//go:build unix

package emulator

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A process that dies in the middle of writing its state never leaves a state file that fails to load:
// the restart finds the last complete save, and no leftover temporary file.
func TestCrashWhileSavingLeavesTheLastCompleteState(t *testing.T) {
	dir := t.TempDir()
	for _, crashAt := range []int{1, 3} { // the first save of a fresh directory, then a later one
		cmd := exec.Command(os.Args[0], "-test.run=^TestPersistenceChild$")
		cmd.Env = append(os.Environ(), "EMULATOR_PERSIST_CHILD="+dir, "EMULATOR_PERSIST_CRASH_AT="+strconv.Itoa(crashAt))
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("crash at save %d: the child was not killed mid-save: %v\n%s", crashAt, err, out)
		}
		saved := 0
		for _, l := range strings.Split(string(out), "\n") {
			if n, ok := strings.CutPrefix(l, "saved "); ok {
				saved, _ = strconv.Atoi(n)
			}
		}
		e, err := New(persistOptions(dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatalf("crash at save %d: the state does not load: %v", crashAt, err)
		}
		tok := fxToken(t, e)
		for i := 1; i <= saved; i++ {
			if r := do(t, e, tok, "GET", persistedIncident(i), nil); r.status != 200 {
				t.Errorf("crash at save %d: incident %d of the %d saved ones is missing: %d", crashAt, i, saved, r.status)
			}
		}
		if r := do(t, e, tok, "GET", persistedIncident(saved+1), nil); r.status != 404 {
			t.Errorf("crash at save %d: the incident of the interrupted save: %d", crashAt, r.status)
		}
		_ = e.Close()
		if stale, _ := filepath.Glob(filepath.Join(dir, tempPattern)); len(stale) > 0 {
			t.Errorf("crash at save %d: temporary files left after a restart: %v", crashAt, stale)
		}
		if crashAt > 1 && saved == 0 {
			t.Errorf("crash at save %d: no save completed before it", crashAt)
		}
		os.RemoveAll(filepath.Join(dir, stateFile)) // the next round starts fresh
	}
}

// TestPersistenceChild writes incidents, saving after each, and kills itself in the middle of the
// EMULATOR_PERSIST_CRASH_AT-th save; it does nothing in a normal test run.
func TestPersistenceChild(t *testing.T) {
	dir := os.Getenv("EMULATOR_PERSIST_CHILD")
	if dir == "" {
		return
	}
	crashAt, _ := strconv.Atoi(os.Getenv("EMULATOR_PERSIST_CRASH_AT"))
	saves := 0
	crashHook = func() {
		if saves++; saves == crashAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
	}
	e := startEmu(t, persistOptions(dir))
	tok := fxToken(t, e)
	for n := 1; ; n++ {
		putPersisted(t, e, tok, n)
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("saved %d\n", n)
	}
}
