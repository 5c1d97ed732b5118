package config

import (
	"fmt"
	"slices"
	"strings"
)

// FlagHelp renders the flags of subcommand cmd for --help, grouped by section, each with its
// environment variable and default, followed by the settings that only a file or the environment can
// set. It is generated from the same tags as the loader, so it cannot drift.
func FlagHelp(cmd string) string {
	var b strings.Builder
	b.WriteString("Flags:\n")
	writeFlag(&b, "config", "path", "Configuration file (YAML or JSON); settings in it are overridden by SENTINEL_* variables and flags.", ConfigEnv, "", false)
	sections := append([]Section{{Key: "", Help: ""}}, Sections()...)
	for _, s := range sections {
		var fs []Field
		for _, f := range FlagFields(cmd) {
			if f.Section == s.Key {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		if s.Key != "" {
			fmt.Fprintf(&b, "\n%s: %s\n", s.Key, s.Help)
		}
		for _, f := range fs {
			writeFlag(&b, f.Flag, f.Type, f.Help, f.Env, f.Default, f.Secret)
		}
	}
	var other []Field
	for _, f := range Fields() {
		if slices.Contains(f.Commands, cmd) && (f.Flag == "" || f.index == nil) && f.Type != "object list" && f.Type != "map" {
			other = append(other, f)
		}
	}
	if len(other) > 0 {
		b.WriteString("\nSettings without a flag (config file")
		b.WriteString(", or the environment variable shown):\n")
		for _, f := range other {
			fmt.Fprintf(&b, "  %s (%s)", f.Key, f.Type)
			if f.Env != "" {
				fmt.Fprintf(&b, " [%s]", f.Env)
			}
			fmt.Fprintf(&b, "\n        %s\n", wrap(f.Help, 92, "        "))
		}
	}
	return b.String()
}

func writeFlag(b *strings.Builder, name, typ, help, env, def string, secret bool) {
	arg := ""
	if typ != "bool" {
		arg = " " + typ
	}
	fmt.Fprintf(b, "  --%s%s\n", name, arg)
	var extra []string
	if env != "" {
		extra = append(extra, "env "+env)
	}
	if def != "" && !secret {
		extra = append(extra, fmt.Sprintf("default %q", def))
	}
	text := help
	if len(extra) > 0 {
		text += " [" + strings.Join(extra, ", ") + "]"
	}
	fmt.Fprintf(b, "        %s\n", wrap(text, 92, "        "))
}

// wrap breaks text into lines of at most width characters, indenting continuation lines.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// Markdown renders the configuration reference for README.md: one table per section with the file
// key, flag, environment variable, default and description of every setting.
func Markdown() string {
	var b strings.Builder
	b.WriteString("Precedence: defaults < config file (`--config` or `" + ConfigEnv + "`, YAML or JSON) < `SENTINEL_*` environment < flags.\n")
	b.WriteString("Lists are comma-separated in flags and the environment, YAML lists in the file.\n")
	sections := append([]Section{{Key: "", Help: "General"}}, Sections()...)
	for _, s := range sections {
		var rows []Field
		for _, f := range Fields() {
			if f.Section == s.Key {
				rows = append(rows, f)
			}
		}
		title := "General"
		if s.Key != "" {
			title = "`" + s.Key + "`: " + strings.TrimSuffix(s.Help, ".")
		}
		fmt.Fprintf(&b, "\n#### %s\n\n", title)
		if len(rows) == 0 {
			b.WriteString("_No settings yet._\n")
			continue
		}
		b.WriteString("| Key | Flag | Environment | Default | Description |\n|---|---|---|---|---|\n")
		for _, f := range rows {
			flagCell, envCell, def := "", "", ""
			if f.Flag != "" {
				flagCell = "`--" + f.Flag + "`"
				if len(f.Commands) > 0 && !slices.Equal(f.Commands, defaultCommands) {
					flagCell += " (" + strings.Join(f.Commands, ", ") + ")"
				}
			}
			if f.Env != "" {
				envCell = "`" + f.Env + "`"
			}
			if f.Default != "" && !f.Secret {
				def = "`" + f.Default + "`"
			}
			fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s | %s |\n", f.Key, f.Type, flagCell, envCell, def, mdEscape(f.Help))
		}
	}
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
