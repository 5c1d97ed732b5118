package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/report"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// The SOC operations commands for cron and CI: `health`, `compliance` and `report` assess workspaces
// like the check_health, run_compliance_check and generate_soc_report tools, print or write the
// result, and exit with exitFindings when something needs attention, so a scheduler can alert on it.

const socopsExit = `
Exit codes: 0 nothing to report; 3 findings (see --fail-on) or workspaces that could not be assessed
(the output is written first); 1 the command failed (no workspace could be assessed); 2 bad command
line or configuration.
`

const socopsCommon = `
  --workspaces list   workspaces, comma-separated (aliases tenant/workspace, names, ids), or all (default)
  --tenant name       only this tenant's workspaces
  --out file          write to this file instead of stdout (the format follows the extension unless --format)
`

func init() {
	commandHelp["health"] = `Usage: sentinel-mcp health [flags]

Checks the health of Sentinel workspaces, as the check_health tool does: onboarding, data connectors and
the last record of their tables, analytics rules disabled or failing (SentinelHealth), ingestion spikes
and drops (Usage), automation rules, untriaged high-severity incidents, retention. Prints one line per
workspace (healthy, degraded, unhealthy) with its reasons.

  sentinel-mcp health --workspaces all --format html --out report.html
  sentinel-mcp health --emulator --mode detailed
` + socopsCommon + `  --mode quick|detailed  detailed lists every finding with its evidence (default quick)
  --format f          text (default), markdown, html or json
  --fail-on s         degraded (default: anything but healthy), unhealthy, or never
` + socopsExit
	commandHelp["compliance"] = `Usage: sentinel-mcp compliance [flags]

Checks Sentinel workspaces against a compliance policy, as the run_compliance_check tool does, with a
pass or fail per check and the evidence seen. The policy is --policy, else compliance.policy (a file in
compliance.policy_dir), else the built-in SOC baseline (sentinel-mcp compliance --print-policy shows it).

  sentinel-mcp compliance --policy ./policy.yaml --format markdown --out compliance.md
` + socopsCommon + `  --policy file       policy file (YAML or JSON), any path
  --print-policy      print the policy (the built-in one as shipped, with comments) and exit
  --format f          text (default), markdown, html or json
  --fail-on s         High, Medium, Low or any (default): fail on a failed check of at least this
                      severity; never to always exit 0
` + socopsExit
	commandHelp["report"] = `Usage: sentinel-mcp report [flags]

Writes a SOC report an MSSP can send: health and compliance of the workspaces, ingestion per tenant over
time, incidents per tenant by severity, open high-severity incidents. HTML is one self-contained page
(inline CSS and SVG, no script, nothing loaded from elsewhere); Markdown has the same sections.

  sentinel-mcp report --workspaces all --out report.html
  sentinel-mcp report --tenant contoso --title "Contoso: monthly SOC report" --out contoso.md
` + socopsCommon + `  --format f          html (default for .html and stdout) or markdown (default for .md)
  --title text        the report's title
  --policy file       compliance policy file, any path (default as for compliance)
  --no-compliance     health only
  --fail-on s         findings (default: unhealthy or degraded workspaces, failed checks) or never
` + socopsExit
}

type socopsFlags struct {
	workspaces, tenant, out, format, failOn string
	mode, policy, title                     string
	noCompliance, printPolicy               bool
}

func (f *socopsFlags) bind(cmd string) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.StringVar(&f.workspaces, "workspaces", "all", "")
		fs.StringVar(&f.tenant, "tenant", "", "")
		fs.StringVar(&f.out, "out", "", "")
		fs.StringVar(&f.format, "format", "", "")
		fs.StringVar(&f.failOn, "fail-on", "", "")
		switch cmd {
		case "health":
			fs.StringVar(&f.mode, "mode", "quick", "")
		case "compliance":
			fs.StringVar(&f.policy, "policy", "", "")
			fs.BoolVar(&f.printPolicy, "print-policy", false, "")
		case "report":
			fs.StringVar(&f.policy, "policy", "", "")
			fs.StringVar(&f.title, "title", "", "")
			fs.BoolVar(&f.noCompliance, "no-compliance", false, "")
		}
	}
}

// format returns the output format: --format, else the --out extension, else def.
func (f *socopsFlags) outFormat(def string, allowed ...string) (string, error) {
	format := strings.ToLower(f.format)
	if format == "" {
		switch strings.ToLower(filepath.Ext(f.out)) {
		case ".html", ".htm":
			format = "html"
		case ".md", ".markdown":
			format = "markdown"
		case ".json":
			format = "json"
		default:
			format = def
		}
	}
	for _, a := range allowed {
		if format == a {
			return format, nil
		}
	}
	return "", usageError{fmt.Errorf("--format %q: use %s", f.format, strings.Join(allowed, ", "))}
}

func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f socopsFlags
	cfg, err := parseFlags("health", args, stdout, f.bind("health"))
	if err != nil {
		return err
	}
	format, err := f.outFormat("text", "text", "markdown", "html", "json")
	if err != nil {
		return err
	}
	mode := posture.Mode(strings.ToLower(f.mode))
	if mode != posture.Quick && mode != posture.Detailed {
		return usageError{fmt.Errorf("--mode %q: use quick or detailed", f.mode)}
	}
	failOn := posture.Degraded
	switch strings.ToLower(f.failOn) {
	case "", "degraded":
	case "unhealthy":
		failOn = posture.Unhealthy
	case "never":
		failOn = ""
	default:
		return usageError{fmt.Errorf("--fail-on %q: use degraded, unhealthy or never", f.failOn)}
	}
	rep, err := assessCLI(ctx, cfg, f, stderr, posture.Request{Health: true, Mode: mode, Charts: format == "html" || format == "markdown"})
	if err != nil {
		return err
	}
	if err := writeOutput(rep, f, format, stdout, stderr, report.Options{Title: "SOC health report", Product: "sentinel-mcp " + versionString()}); err != nil {
		return err
	}
	if failOn != "" && rep.HealthFindings(failOn) {
		return findingsError{"findings: " + healthCounts(rep)}
	}
	return nil
}

func runCompliance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f socopsFlags
	cfg, err := parseFlags("compliance", args, stdout, f.bind("compliance"))
	if err != nil {
		return err
	}
	p, from, err := policyCLI(cfg, f.policy)
	if err != nil {
		return err
	}
	if f.printPolicy {
		return printPolicy(cfg, f.policy, from, stdout)
	}
	format, err := f.outFormat("text", "text", "markdown", "html", "json")
	if err != nil {
		return err
	}
	minSev, never := "", false
	switch strings.ToLower(f.failOn) {
	case "", "any":
	case "high", "medium", "low", "informational":
		minSev = strings.ToUpper(f.failOn[:1]) + strings.ToLower(f.failOn[1:])
	case "never":
		never = true
	default:
		return usageError{fmt.Errorf("--fail-on %q: use High, Medium, Low, any or never", f.failOn)}
	}
	rep, err := assessCLI(ctx, cfg, f, stderr, posture.Request{Policy: p, PolicyFrom: from, Charts: format == "html"})
	if err != nil {
		return err
	}
	if err := writeOutput(rep, f, format, stdout, stderr, report.Options{Title: "Compliance report", Product: "sentinel-mcp " + versionString()}); err != nil {
		return err
	}
	if !never && rep.ComplianceFindings(minSev) {
		passed, failed, errs, _ := rep.ComplianceCounts()
		return findingsError{fmt.Sprintf("findings: %d of %d checks passed, %d failed, %d not evaluated, %d workspace(s) not assessed",
			passed, passed+failed+errs, failed, errs, len(rep.Failed))}
	}
	return nil
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f socopsFlags
	cfg, err := parseFlags("report", args, stdout, f.bind("report"))
	if err != nil {
		return err
	}
	format, err := f.outFormat("html", "html", "markdown")
	if err != nil {
		return err
	}
	req := posture.Request{Health: true, Mode: posture.Detailed, Charts: true}
	if !f.noCompliance {
		if req.Policy, req.PolicyFrom, err = policyCLI(cfg, f.policy); err != nil {
			return err
		}
	} else if f.policy != "" {
		return usageError{errors.New("--policy and --no-compliance: drop one of them")}
	}
	switch strings.ToLower(f.failOn) {
	case "", "findings", "never":
	default:
		return usageError{fmt.Errorf("--fail-on %q: use findings or never", f.failOn)}
	}
	rep, err := assessCLI(ctx, cfg, f, stderr, req)
	if err != nil {
		return err
	}
	if err := writeOutput(rep, f, format, stdout, stderr, report.Options{Title: f.title, Product: "sentinel-mcp " + versionString()}); err != nil {
		return err
	}
	if strings.ToLower(f.failOn) != "never" && (rep.HealthFindings(posture.Degraded) || req.Policy != nil && rep.ComplianceFindings("")) {
		return findingsError{"findings: " + healthCounts(rep)}
	}
	return nil
}

// policyCLI is --policy (any path), else the configured policy (a file in the policy directory),
// else the built-in one.
func policyCLI(cfg *config.Config, path string) (*content.Policy, string, error) {
	if path != "" {
		p, err := posture.LoadPolicyFile(path)
		if err != nil {
			return nil, "", usageError{err}
		}
		return p, filepath.Base(path), nil
	}
	p, from, err := posture.ResolvePolicy("", "", cfg.Compliance.PolicyDir, cfg.Compliance.Policy)
	if err != nil {
		return nil, "", usageError{fmt.Errorf("compliance.policy: %w", err)}
	}
	return p, from, nil
}

// printPolicy prints the policy file as written (the built-in one with its comments).
func printPolicy(cfg *config.Config, path, from string, stdout io.Writer) error {
	var raw []byte
	var err error
	switch {
	case path != "":
		raw, err = os.ReadFile(path)
	case from == posture.BuiltinPolicy:
		raw = content.DefaultPolicyYAML()
	default:
		var text string
		text, err = posture.PolicyFileYAML(cfg.Compliance.PolicyDir, from)
		raw = []byte(text)
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(raw)
	return err
}

func healthCounts(rep *posture.Report) string {
	c := rep.StatusCounts()
	s := fmt.Sprintf("%d healthy, %d degraded, %d unhealthy", c[posture.Healthy], c[posture.Degraded], c[posture.Unhealthy])
	if c[posture.Unknown] > 0 {
		s += fmt.Sprintf(", %d unknown", c[posture.Unknown])
	}
	return s
}

// assessCLI connects to Azure (or the emulator), selects the workspaces and assesses them. It fails
// when no workspace at all could be assessed.
func assessCLI(ctx context.Context, cfg *config.Config, f socopsFlags, stderr io.Writer, req posture.Request) (*posture.Report, error) {
	logger := newLogger(cfg, stderr)
	deps := &toolkit.Deps{Config: cfg, Logger: logger, Now: time.Now}
	var emu *emulator.Emulator
	if cfg.Emulator.Enabled {
		var err error
		if emu, err = startEmulator(cfg, logger); err != nil {
			return nil, err
		}
		defer emu.Close()
	}
	if _, err := connectAzure(ctx, cfg, emu, deps, logger); err != nil {
		return nil, err
	}
	var workspaces []string
	for _, w := range strings.Split(f.workspaces, ",") {
		if w = strings.TrimSpace(w); w != "" {
			workspaces = append(workspaces, w)
		}
	}
	if len(workspaces) == 0 && f.tenant == "" {
		workspaces = []string{"all"}
	}
	// As the tools do: all workspaces (or a tenant's) include those discovery lists without Sentinel.
	wss, notOnboarded, err := snapshot.Targets(ctx, deps.Registry, workspaces, f.tenant)
	wss = append(wss, notOnboarded...)
	if err != nil {
		var re *tenancy.ResolveError
		if errors.As(err, &re) {
			return nil, usageError{err}
		}
		return nil, err
	}
	if len(wss) == 0 {
		return nil, errors.New("no Sentinel workspaces to assess: check azure.allowed_tenants and discovery (sentinel-mcp emulator --help shows a working configuration)")
	}
	req.Thresholds = posture.ThresholdsFrom(cfg.Health)
	req.Progress = func(done, total int, last string) {
		logger.Debug("assessed", "workspace", last, "done", done, "of", total)
	}
	rep := posture.Run(ctx, posture.Deps{Provider: deps.Azure, FanOut: deps.Registry.FanOut(), Now: time.Now}, wss, req)
	if len(rep.Workspaces) == 0 {
		var msgs []string
		for _, fl := range rep.Failed {
			msgs = append(msgs, fl.Workspace+": "+textsafe.Line(fl.Error))
		}
		return nil, fmt.Errorf("no workspace could be assessed: %s", strings.Join(msgs, "; "))
	}
	return rep, nil
}

// writeOutput renders the report and writes it to --out (atomically) or stdout.
func writeOutput(rep *posture.Report, f socopsFlags, format string, stdout, stderr io.Writer, o report.Options) error {
	var out []byte
	switch format {
	case "html":
		page, err := report.HTML(rep, o)
		if err != nil {
			return err
		}
		out = page
	case "markdown":
		o.NoCharts = !rep.HasCharts()
		out = []byte(report.Markdown(rep, o))
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
	case "json":
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		out = append(b, '\n')
	default:
		out = []byte(textReport(rep))
	}
	if f.out == "" || f.out == "-" {
		_, err := stdout.Write(out)
		return err
	}
	if err := writeFileAtomic(f.out, out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%s, %d bytes): %s\n", f.out, format, len(out), summaryLine(rep))
	return nil
}

func summaryLine(rep *posture.Report) string {
	var parts []string
	if rep.Mode != "" {
		parts = append(parts, healthCounts(rep))
	}
	if rep.Policy != nil {
		passed, failed, errs, compliant := rep.ComplianceCounts()
		parts = append(parts, fmt.Sprintf("%d of %d checks passed, %d of %d workspaces compliant", passed, passed+failed+errs, compliant, len(rep.Workspaces)))
	}
	if len(rep.Failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d not assessed", len(rep.Failed)))
	}
	return strings.Join(parts, "; ")
}

// writeFileAtomic writes data next to path and renames it over path, so a reader never sees half a
// report.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
