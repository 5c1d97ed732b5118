package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// bench measures this binary as an MCP client sees it: it runs `sentinel-mcp stdio --emulator` as a
// child process and speaks JSON-RPC over its pipes. It is a subcommand rather than a Go benchmark
// because what it measures is the shipped binary (start-up includes the process, the runtime and the
// emulator), and anyone can run it where the server is deployed, without a Go toolchain.

const benchHelp = `Usage: sentinel-mcp bench [flags]

Measures this binary over stdio against the built-in emulator, as an MCP client sees it:
  start-up     process start to the tools/list answer (initialize sent at once), the CPU time of
               such a run (user+sys, start to exit) and peak RSS
  tools/list   size in bytes and estimated tokens (bytes/4), default toolsets and every tool with writes
  per call     round-trip latency (p50/p99) of cheap calls: a resource read, a prompt get, and a tool
               call (list_tenants or list_workspaces, once warm) when the inventory has one
  burst        --burst n tool calls sent at once in one session (queries, incident lists, workspace
               lists, table schemas): elapsed time and memory (RSS before, peak; server and emulator)

Figures only: nothing fails on timing. Targets: start-up < 50 ms, peak RSS < 40 MB, default tools/list
< 20 KB.

Flags:
  --runs n       start-up runs (default 20)
  --calls n      calls per measured method (default 300)
  --burst n      concurrent calls of the burst (default 100; 0 skips it)
  --json         one JSON document instead of tables
`

type benchStats struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	N   int     `json:"n"`
}

func statsOf(xs []float64) benchStats {
	if len(xs) == 0 {
		return benchStats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pct := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return benchStats{P50: pct(0.50), P99: pct(0.99), Max: s[len(s)-1], N: len(s)}
}

type listFigure struct {
	Config string `json:"config"`
	Tools  int    `json:"tools"`
	Bytes  int    `json:"bytes"`
	Tokens int    `json:"tokens_estimate"`
}

type callFigure struct {
	Method string     `json:"method"`
	Target string     `json:"target"`
	Micros benchStats `json:"microseconds"`
}

type benchReport struct {
	Binary     string       `json:"binary"`
	Version    string       `json:"version"`
	StartupMS  benchStats   `json:"startup_to_tools_list_ms"`
	InitMS     benchStats   `json:"startup_to_initialize_ms"`
	CPUMS      benchStats   `json:"startup_cpu_ms"` // user+sys CPU of a whole start-up run: less sensitive to a busy machine than elapsed time
	PeakRSSMiB benchStats   `json:"peak_rss_mib"`
	ToolsList  []listFigure `json:"tools_list"`
	Calls      []callFigure `json:"calls"`
	Burst      *burstFigure `json:"burst,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runs := fs.Int("runs", 20, "")
	calls := fs.Int("calls", 300, "")
	burst := fs.Int("burst", 100, "")
	asJSON := fs.Bool("json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, benchHelp)
			return flag.ErrHelp
		}
		return usageError{err}
	}
	if fs.NArg() > 0 || *runs < 1 || *calls < 1 || *burst < 0 {
		return usageError{errors.New("bench takes --runs n (at least 1), --calls n (at least 1), --burst n (0 or more) and --json")}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	state, err := os.MkdirTemp("", "sentinel-mcp-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	b := &bench{ctx: ctx, exe: exe, env: benchEnv(state)}
	rep := benchReport{Binary: exe, Version: versionString()}

	var startup, init, cpu, rss []float64
	for i := range *runs {
		r, err := b.startup(nil)
		if err != nil {
			return fmt.Errorf("start-up run %d: %w", i+1, err)
		}
		startup, init, cpu = append(startup, r.toolsMS), append(init, r.initMS), append(cpu, r.cpuMS)
		if r.rssKiB > 0 {
			rss = append(rss, float64(r.rssKiB)/1024)
		}
		if i == 0 {
			rep.ToolsList = append(rep.ToolsList, r.list("default toolsets (read-only)"))
		}
	}
	rep.StartupMS, rep.InitMS, rep.CPUMS, rep.PeakRSSMiB = statsOf(startup), statsOf(init), statsOf(cpu), statsOf(rss)
	r, err := b.startup([]string{"--toolsets", "all", "--enable-writes"})
	if err != nil {
		return fmt.Errorf("start-up with every tool: %w", err)
	}
	rep.ToolsList = append(rep.ToolsList, r.list("all toolsets, writes enabled"))

	if rep.Calls, err = b.perCall(*calls); err != nil {
		return fmt.Errorf("per-call latency: %w", err)
	}
	if *burst > 0 {
		f, err := b.burst(*burst)
		if err != nil {
			return fmt.Errorf("burst of %d calls: %w", *burst, err)
		}
		rep.Burst = &f
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(stdout, rep)
	return nil
}

func printBench(w io.Writer, rep benchReport) {
	fmt.Fprintf(w, "sentinel-mcp bench: %s (%s), stdio --emulator\n\n", rep.Binary, rep.Version)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "start-up (%d runs)\tp50\tp99\tmax\ttarget\n", rep.StartupMS.N)
	fmt.Fprintf(tw, "to initialize answer\t%.1f ms\t%.1f ms\t%.1f ms\t\n", rep.InitMS.P50, rep.InitMS.P99, rep.InitMS.Max)
	fmt.Fprintf(tw, "to tools/list answer\t%.1f ms\t%.1f ms\t%.1f ms\t< 50 ms\n", rep.StartupMS.P50, rep.StartupMS.P99, rep.StartupMS.Max)
	fmt.Fprintf(tw, "CPU of a run (user+sys)\t%.1f ms\t%.1f ms\t%.1f ms\t\n", rep.CPUMS.P50, rep.CPUMS.P99, rep.CPUMS.Max)
	if rep.PeakRSSMiB.N > 0 {
		fmt.Fprintf(tw, "peak RSS\t%.1f MiB\t%.1f MiB\t%.1f MiB\t< 40 MB\n", rep.PeakRSSMiB.P50, rep.PeakRSSMiB.P99, rep.PeakRSSMiB.Max)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "tools/list\ttools\tbytes\t~tokens\tbudget\n")
	for i, l := range rep.ToolsList {
		budget := ""
		if i == 0 {
			budget = "< 20 KB"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", l.Config, l.Tools, l.Bytes, l.Tokens, budget)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "per call (round trip over stdio)\tp50\tp99\tmax\tcalls\n")
	for _, c := range rep.Calls {
		fmt.Fprintf(tw, "%s %s\t%.0f µs\t%.0f µs\t%.0f µs\t%d\n", c.Method, c.Target, c.Micros.P50, c.Micros.P99, c.Micros.Max, c.Micros.N)
	}
	if bu := rep.Burst; bu != nil {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "burst of %d concurrent calls\telapsed\tRSS before\tpeak RSS\t\n", bu.Calls)
		fmt.Fprintf(tw, "%s\t%.0f ms\t%.1f MiB\t%.1f MiB\t(server + emulator)\n", bu.ToolsAndCalls, bu.ElapsedMS, bu.RSSBeforeMiB, bu.PeakRSSMiB)
	}
	tw.Flush()
}

// benchEnv is the child's environment: this one without SENTINEL_* settings (figures must not depend
// on the caller's configuration), with state and audit log in a temporary directory.
func benchEnv(state string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SENTINEL_") && !strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "XDG_STATE_HOME="+state, "SENTINEL_AUDIT_PATH="+filepath.Join(state, "audit.jsonl"))
}

type bench struct {
	ctx context.Context
	exe string
	env []string
}

type startupRun struct {
	initMS, toolsMS float64
	cpuMS           float64 // user+sys of the child, start to exit
	rssKiB          int64
	listBytes       int
	tools           []string
}

func (r startupRun) list(config string) listFigure {
	return listFigure{Config: config, Tools: len(r.tools), Bytes: r.listBytes, Tokens: r.listBytes / 4}
}

// startup runs one child from process start to the tools/list answer, then closes its stdin (the MCP
// stdio shutdown) and waits for it to exit.
func (b *bench) startup(extra []string) (startupRun, error) {
	var r startupRun
	begin := time.Now()
	c, err := b.spawn(extra...)
	if err != nil {
		return r, err
	}
	defer c.kill()
	if _, err := c.request("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]string{"name": "sentinel-mcp-bench", "version": "1"}}); err != nil {
		return r, err
	}
	r.initMS = ms(time.Since(begin))
	c.notify("notifications/initialized")
	raw, err := c.request("tools/list", map[string]any{})
	if err != nil {
		return r, err
	}
	r.toolsMS = ms(time.Since(begin))
	r.listBytes = len(raw)
	var resp struct {
		Result struct {
			Tools      []struct{ Name string }
			NextCursor string
		}
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return r, err
	}
	if resp.Result.NextCursor != "" {
		return r, errors.New("tools/list is paginated; the bench counts one page only")
	}
	for _, t := range resp.Result.Tools {
		r.tools = append(r.tools, t.Name)
	}
	r.rssKiB, err = c.close()
	if ps := c.cmd.ProcessState; ps != nil {
		r.cpuMS = ms(ps.UserTime() + ps.SystemTime())
	}
	return r, err
}

// perCall measures round trips of cheap calls in one long-lived child (after a warm-up), with the
// rate limits off so that the figures are latency, not refusals.
func (b *bench) perCall(n int) ([]callFigure, error) {
	c, err := b.spawn("--limits-rate", "0", "--limits-tenant-rate", "0")
	if err != nil {
		return nil, err
	}
	defer c.kill()
	if _, err := c.request("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]string{"name": "sentinel-mcp-bench", "version": "1"}}); err != nil {
		return nil, err
	}
	c.notify("notifications/initialized")
	raw, err := c.request("tools/list", map[string]any{})
	if err != nil {
		return nil, err
	}
	type probe struct {
		method, target string
		params         map[string]any
	}
	probes := []probe{
		{"resources/read", "sentinel://server/status", map[string]any{"uri": "sentinel://server/status"}},
		{"prompts/get", "triage_incident", map[string]any{"name": "triage_incident", "arguments": map[string]string{"workspace": "contoso/contoso-prod", "incident": "1"}}},
	}
	for _, tool := range []string{"list_tenants", "list_workspaces"} {
		if strings.Contains(string(raw), `"name":"`+tool+`"`) {
			probes = append(probes, probe{"tools/call", tool, map[string]any{"name": tool, "arguments": map[string]any{}}})
			break
		}
	}
	var out []callFigure
	for _, p := range probes {
		var xs []float64
		for i := range n + n/10 { // the first tenth warms up (discovery, caches) and is not counted
			start := time.Now()
			resp, err := c.request(p.method, p.params)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", p.method, p.target, err)
			}
			if p.method == "tools/call" && strings.Contains(string(resp), `"isError":true`) {
				return nil, fmt.Errorf("tools/call %s failed: %.300s", p.target, resp)
			}
			if i >= n/10 {
				xs = append(xs, float64(time.Since(start).Microseconds()))
			}
		}
		out = append(out, callFigure{Method: p.method, Target: p.target, Micros: statsOf(xs)})
	}
	_, err = c.close()
	return out, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// stdioChild is `sentinel-mcp stdio --emulator` with a line-oriented JSON-RPC client on its pipes.
type stdioChild struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan []byte
	stderr *strings.Builder
	nextID int
	done   chan error
	closed bool
}

const benchTimeout = 30 * time.Second

func (b *bench) spawn(extra ...string) (*stdioChild, error) {
	cmd := exec.CommandContext(b.ctx, b.exe, append([]string{"stdio", "--emulator", "--log-level", "warn"}, extra...)...)
	cmd.Env = b.env
	c := &stdioChild{cmd: cmd, lines: make(chan []byte, 16), stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	var err error
	if c.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		r := bufio.NewReaderSize(out, 1<<16)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				c.lines <- line
			}
			if err != nil {
				close(c.lines)
				c.done <- cmd.Wait()
				return
			}
		}
	}()
	return c, nil
}

func (c *stdioChild) write(msg map[string]any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = c.in.Write(append(b, '\n'))
	return err
}

func (c *stdioChild) notify(method string) {
	_ = c.write(map[string]any{"jsonrpc": "2.0", "method": method})
}

// request sends one request and returns its response line (without the newline); a JSON-RPC error
// is an error.
func (c *stdioChild) request(method string, params any) ([]byte, error) {
	c.nextID++
	id := c.nextID
	if err := c.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
		return nil, fmt.Errorf("%s: %w (stderr: %s)", method, err, c.stderr)
	}
	timeout := time.After(benchTimeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return nil, fmt.Errorf("%s: the server exited (stderr: %s)", method, c.stderr)
			}
			var m struct {
				ID    *int            `json:"id"`
				Error json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &m) != nil || m.ID == nil || *m.ID != id {
				continue // a notification or a server request
			}
			line = []byte(strings.TrimRight(string(line), "\r\n"))
			if len(m.Error) > 0 {
				return line, fmt.Errorf("%s: %s", method, m.Error)
			}
			return line, nil
		case <-timeout:
			return nil, fmt.Errorf("%s: no answer within %s", method, benchTimeout)
		}
	}
}

// close ends the session (stdin EOF) and waits for a clean exit; it returns the peak RSS in KiB
// (0 where the platform does not report it).
func (c *stdioChild) close() (int64, error) {
	c.closed = true
	c.in.Close()
	for range c.lines {
	}
	select {
	case err := <-c.done:
		if err != nil {
			return 0, fmt.Errorf("exit: %w (stderr: %s)", err, c.stderr)
		}
		return maxRSSKiB(c.cmd.ProcessState), nil
	case <-time.After(benchTimeout):
		return 0, errors.New("the server did not exit after stdin closed")
	}
}

func (c *stdioChild) kill() {
	if !c.closed {
		_ = c.cmd.Process.Kill()
	}
}
