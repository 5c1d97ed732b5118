package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/sentinel-mcp/sentinel-mcp/internal/posture"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// textReport is the terminal form of a report: aligned columns, one line per workspace, then the
// findings (detailed mode) or the failed checks, each with its evidence. Every value from Azure is
// cleaned with textsafe, so no escape sequence reaches the terminal.
func textReport(rep *posture.Report) string {
	var b strings.Builder
	if rep.Mode != "" {
		fmt.Fprintf(&b, "Health of %d workspace(s), %s mode, %s: %s.\n\n", len(rep.Workspaces)+len(rep.Failed), rep.Mode,
			rep.GeneratedAt.Format("2006-01-02 15:04 UTC"), healthCounts(rep))
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WORKSPACE\tSTATUS\tREASONS")
		for _, w := range rep.Workspaces {
			reasons := "no issues found"
			if len(w.Health.Reasons) > 0 {
				reasons = strings.Join(textsafe.Strings(w.Health.Reasons), "; ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", textsafe.Line(w.Workspace.Alias), w.Health.Status, reasons)
		}
		tw.Flush()
		if rep.Mode == posture.Detailed {
			for _, w := range rep.Workspaces {
				if len(w.Health.Findings) == 0 {
					continue
				}
				fmt.Fprintf(&b, "\n%s (%s)\n", textsafe.Line(w.Workspace.Alias), w.Health.Status)
				for _, f := range w.Health.Findings {
					fmt.Fprintf(&b, "  %-8s  %-10s  %s\n", f.Severity, f.Check, textsafe.Line(f.Message))
					if f.Evidence != "" {
						fmt.Fprintf(&b, "  %-8s  %-10s  %s\n", "", "", textsafe.Line(f.Evidence))
					}
				}
			}
		}
	}
	if rep.Policy != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		passed, failed, errs, compliant := rep.ComplianceCounts()
		fmt.Fprintf(&b, "Policy %q (%s, %d checks) on %d workspace(s): %d compliant, %d of %d checks passed.\n\n",
			textsafe.Line(rep.Policy.Name), textsafe.Line(rep.Policy.Source), rep.Policy.Checks, len(rep.Workspaces)+len(rep.Failed),
			compliant, passed, passed+failed+errs)
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		header := "WORKSPACE"
		if len(rep.Workspaces) > 0 {
			for _, c := range rep.Workspaces[0].Compliance.Checks {
				header += "\t" + textsafe.Line(c.ID)
			}
		}
		fmt.Fprintln(tw, header+"\tRESULT")
		for _, w := range rep.Workspaces {
			line := textsafe.Line(w.Workspace.Alias)
			for _, c := range w.Compliance.Checks {
				line += "\t" + strings.ToUpper(c.Status)
			}
			fmt.Fprintln(tw, line+"\t"+w.Compliance.Summary)
		}
		tw.Flush()
		first := true
		for _, sev := range []string{"High", "Medium", "Low", "Informational"} {
			for _, w := range rep.Workspaces {
				for _, c := range w.Compliance.Checks {
					if c.Status == posture.Pass || c.Severity != sev {
						continue
					}
					if first {
						b.WriteString("\nChecks that did not pass:\n")
						first = false
					}
					fmt.Fprintf(&b, "  %s  %s (%s, %s): %s\n", textsafe.Line(w.Workspace.Alias), textsafe.Line(c.ID), c.Severity, c.Status,
						textsafe.Line(c.Evidence))
				}
			}
		}
	}
	if len(rep.Failed) > 0 {
		fmt.Fprintf(&b, "\nNot assessed (%d):\n", len(rep.Failed))
		for _, f := range rep.Failed {
			fmt.Fprintf(&b, "  %s  %s\n", textsafe.Line(f.Workspace), textsafe.Line(f.Error))
		}
	}
	return b.String()
}
