package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigEnv names the environment variable holding the config file path (the --config flag wins).
const ConfigEnv = "SENTINEL_CONFIG"

// Binder connects a subcommand's flag.FlagSet to the configuration: Bind registers the flags of every
// setting that applies to the subcommand (plus --config), and Load, after the FlagSet has parsed the
// arguments, builds the Config from defaults < file < environment < flags.
type Binder struct {
	cmd        string
	flags      []*flagValue
	configPath string
}

type flagValue struct {
	field Field
	value string
	set   bool
}

func (f *flagValue) String() string { return f.value }
func (f *flagValue) Set(s string) error {
	// Validate now so that flag parsing reports the offending flag itself.
	probe := reflect.New(fieldType(f.field)).Elem()
	if err := setString(probe, s); err != nil {
		return err
	}
	f.value, f.set = s, true
	return nil
}
func (f *flagValue) IsBoolFlag() bool { return f.field.Type == "bool" }

// Bind registers on fs the flags of the settings that apply to subcommand cmd, and --config.
func Bind(fs *flag.FlagSet, cmd string) *Binder {
	b := &Binder{cmd: cmd}
	fs.StringVar(&b.configPath, "config", "", "Configuration file (YAML or JSON).")
	for _, f := range FlagFields(cmd) {
		fv := &flagValue{field: f}
		fs.Var(fv, f.Flag, f.Help)
		b.flags = append(b.flags, fv)
	}
	return b
}

// FlagFields lists the settings that have a flag on subcommand cmd.
func FlagFields(cmd string) []Field {
	var out []Field
	for _, f := range Fields() {
		if f.Flag != "" && f.index != nil && slices.Contains(f.Commands, cmd) {
			out = append(out, f)
		}
	}
	return out
}

// Load builds the configuration: tag defaults, then the config file (--config or SENTINEL_CONFIG),
// then SENTINEL_* environment variables, then the flags that were set on the command line. lookupEnv
// is usually os.LookupEnv; tests pass their own. The result is validated.
func (b *Binder) Load(lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	c := Default()
	path := b.configPath
	if path == "" {
		path, _ = lookupEnv(ConfigEnv)
	}
	if path != "" {
		if err := LoadFile(c, path); err != nil {
			return nil, err
		}
	}
	if err := ApplyEnv(c, lookupEnv); err != nil {
		return nil, err
	}
	root := reflect.ValueOf(c).Elem()
	for _, fv := range b.flags {
		if !fv.set {
			continue
		}
		if err := setString(root.FieldByIndex(fv.field.index), fv.value); err != nil {
			return nil, fmt.Errorf("--%s: %w", fv.field.Flag, err)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ApplyEnv sets every setting whose environment variable is present.
func ApplyEnv(c *Config, lookupEnv func(string) (string, bool)) error {
	root := reflect.ValueOf(c).Elem()
	var errs []error
	for _, f := range Fields() {
		if f.Env == "" || f.index == nil {
			continue
		}
		s, ok := lookupEnv(f.Env)
		if !ok {
			continue
		}
		if err := setString(root.FieldByIndex(f.index), s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Env, err))
		}
	}
	return errors.Join(errs...)
}

// LoadFile merges a YAML or JSON file into c. Unknown keys are errors (with the closest known key),
// so that a typo never silently leaves a safety setting at its default.
func LoadFile(c *Config, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	return LoadBytes(c, path, data)
}

// LoadBytes is LoadFile on bytes already read; name is used in error messages.
func LoadBytes(c *Config, name string, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config file %s: %v", name, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	d := decoder{name: name}
	return d.decode(doc.Content[0], reflect.ValueOf(c).Elem(), "")
}

type decoder struct{ name string }

func (d decoder) errf(n *yaml.Node, path, format string, args ...any) error {
	where := path
	if where == "" {
		where = "top level"
	}
	return fmt.Errorf("config file %s:%d: %s: %s", d.name, n.Line, where, fmt.Sprintf(format, args...))
}

func (d decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		v.SetZero()
		return nil
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return d.decode(n, v.Elem(), path)
	case isSection(t):
		return d.decodeStruct(n, v, path)
	case isScalar(t) && t.Kind() == reflect.Slice:
		switch n.Kind {
		case yaml.ScalarNode:
			return d.scalar(n, v, path)
		case yaml.SequenceNode:
			items := make([]string, 0, len(n.Content))
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode {
					return d.errf(item, path, "want a list of strings")
				}
				items = append(items, item.Value)
			}
			v.Set(reflect.ValueOf(items).Convert(t))
			return nil
		}
		return d.errf(n, path, "want a list of strings")
	case isScalar(t):
		if n.Kind != yaml.ScalarNode {
			return d.errf(n, path, "want a single %s value", typeName(t))
		}
		return d.scalar(n, v, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.errf(n, path, "want a list")
		}
		out := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if err := d.decode(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if n.Kind != yaml.MappingNode {
			return d.errf(n, path, "want a mapping of names to values")
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			elem := reflect.New(t.Elem()).Elem()
			if err := d.decode(n.Content[i+1], elem, path+"."+k); err != nil {
				return err
			}
			v.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		return nil
	}
	// Anything else (interfaces, exotic types): let yaml decode it as-is.
	if err := n.Decode(v.Addr().Interface()); err != nil {
		return d.errf(n, path, "%v", err)
	}
	return nil
}

func (d decoder) scalar(n *yaml.Node, v reflect.Value, path string) error {
	if err := setString(v, n.Value); err != nil {
		return d.errf(n, path, "%v", err)
	}
	return nil
}

func (d decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return d.errf(n, path, "want a mapping (key: value)")
	}
	t := v.Type()
	keys := map[string]int{}
	for i := range t.NumField() {
		if sf := t.Field(i); sf.IsExported() {
			if k := keyName(sf); k != "" {
				keys[k] = i
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		sub := kn.Value
		if path != "" {
			sub = path + "." + kn.Value
		}
		fi, ok := keys[kn.Value]
		if !ok {
			msg := fmt.Sprintf("unknown setting %q", kn.Value)
			if s := closest(kn.Value, mapKeys(keys)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return d.errf(kn, path, "%s", msg)
		}
		if err := d.decode(vn, v.Field(fi), sub); err != nil {
			return err
		}
	}
	return nil
}

func mapKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// closest returns the candidate nearest to s by edit distance, or "" if none is reasonably close.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// fieldType returns the Go type of a flag-bearing field.
func fieldType(f Field) reflect.Type {
	return reflect.TypeFor[Config]().FieldByIndex(f.index).Type
}
