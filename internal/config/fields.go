package config

import (
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Field describes one setting, derived from the struct tags of its Go field:
//
//	config:"name"      file key (falls back to the yaml, then json tag, then the snake_case field name; "-" skips)
//	env:"NAME"         environment variable; default SENTINEL_<KEY PATH>; "-" for none
//	flag:"name"        command-line flag; default the key path with dashes (http-addr); "-" for none
//	default:"value"    default, parsed like an environment value
//	help:"text"        one-line description, used by --help and the README
//	secret:"true"      never printed (help shows no default, Redacted blanks it)
//	cmd:"stdio,http"   subcommands whose flags include it; inherited by a section's fields;
//	                   default "stdio,http"
//
// Scalars (string, bool, integers, floats, time.Duration, encoding.TextUnmarshaler) and []string get a
// flag and an environment variable; lists and maps of objects are file-only and documented with their
// nested fields ("azure.tenants[].alias").
type Field struct {
	Key      string   // dotted file key, e.g. "http.addr"
	Flag     string   // flag name without dashes, "" if none
	Env      string   // environment variable, "" if none
	Default  string   // default as written in the tag
	Help     string   // description
	Type     string   // for documentation: string, bool, int, number, duration, list, object list, map
	Secret   bool     // value is never shown
	Commands []string // subcommands whose flag sets carry the flag
	Section  string   // top-level section key, "" for top-level settings

	index []int // path from Config to the field; nil for documentation-only fields inside lists
}

// Section is a top-level group of settings, for help and documentation.
type Section struct {
	Key  string
	Help string
}

const envPrefix = "SENTINEL_"

var defaultCommands = []string{"stdio", "http"}

var (
	fieldsOnce sync.Once
	fieldsList []Field
	sectList   []Section
)

// Fields lists every setting of Config in declaration order.
func Fields() []Field {
	fieldsOnce.Do(func() {
		t := reflect.TypeFor[Config]()
		for i := range t.NumField() {
			sf := t.Field(i)
			key := keyName(sf)
			if key == "" || !sf.IsExported() {
				continue
			}
			if isSection(sf.Type) {
				sectList = append(sectList, Section{Key: key, Help: sf.Tag.Get("help")})
			}
		}
		walk(t, "", nil, defaultCommands, "", false, &fieldsList)
	})
	return fieldsList
}

// Sections lists the top-level sections of Config in declaration order.
func Sections() []Section {
	Fields()
	return sectList
}

func walk(t reflect.Type, prefix string, index []int, cmds []string, section string, inList bool, out *[]Field) {
	for i := range t.NumField() {
		sf := t.Field(i)
		key := keyName(sf)
		if key == "" || !sf.IsExported() {
			continue
		}
		path := key
		if prefix != "" {
			path = prefix + "." + key
		}
		idx := append(slices.Clone(index), i)
		fcmds := cmds
		if c, ok := sf.Tag.Lookup("cmd"); ok {
			fcmds = splitList(c)
		}
		sect := section
		if prefix == "" && isSection(sf.Type) {
			sect = key
		}
		ft := sf.Type
		switch {
		case isSection(ft):
			walk(ft, path, idx, fcmds, sect, inList, out)
			continue
		case isObjectList(ft):
			*out = append(*out, docField(sf, path, "object list", sect, fcmds))
			walk(elemStruct(ft), path+"[]", nil, fcmds, sect, true, out)
			continue
		case isObjectMap(ft):
			*out = append(*out, docField(sf, path, "map", sect, fcmds))
			walk(elemStruct(ft), path+".<name>", nil, fcmds, sect, true, out)
			continue
		}
		f := docField(sf, path, typeName(ft), sect, fcmds)
		if !inList && isScalar(ft) {
			f.index = idx
			f.Flag = tagOr(sf, "flag", strings.NewReplacer(".", "-", "_", "-").Replace(path))
			f.Env = tagOr(sf, "env", envPrefix+strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path)))
		} else if !inList {
			f.index = idx // file-only value (e.g. a map of strings)
		}
		*out = append(*out, f)
	}
}

func docField(sf reflect.StructField, path, typ, section string, cmds []string) Field {
	return Field{
		Key:      path,
		Default:  sf.Tag.Get("default"),
		Help:     sf.Tag.Get("help"),
		Type:     typ,
		Secret:   sf.Tag.Get("secret") == "true",
		Commands: cmds,
		Section:  section,
	}
}

// tagOr returns the tag value, "" for "-", or def when the tag is absent.
func tagOr(sf reflect.StructField, tag, def string) string {
	v, ok := sf.Tag.Lookup(tag)
	if !ok {
		return def
	}
	if v == "-" {
		return ""
	}
	return v
}

// keyName is the file key of a struct field, "" when the field is skipped.
func keyName(sf reflect.StructField) string {
	for _, tag := range []string{"config", "yaml", "json"} {
		if v, ok := sf.Tag.Lookup(tag); ok {
			name, _, _ := strings.Cut(v, ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
	}
	return snake(sf.Name)
}

func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func isText(t reflect.Type) bool { return reflect.PointerTo(t).Implements(textType) }

func isScalar(t reflect.Type) bool {
	if t == durationType || isText(t) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice:
		return t.Elem().Kind() == reflect.String
	}
	return false
}

func isSection(t reflect.Type) bool { return t.Kind() == reflect.Struct && !isText(t) }

func elemStruct(t reflect.Type) reflect.Type {
	e := t.Elem()
	if e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	return e
}

func isObjectList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && isSection(elemStruct(t))
}

func isObjectMap(t reflect.Type) bool {
	return t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && isSection(elemStruct(t))
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case isText(t):
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "bool"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "list"
		}
		return "list"
	case reflect.Map:
		return "map"
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		return "int"
	}
	return t.Kind().String()
}

// setString parses s into v, the way environment variables, flags, defaults and YAML scalars are read.
func setString(v reflect.Value, s string) error {
	t := v.Type()
	if t == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("invalid duration %q (examples: 30s, 2m, 1h30m)", s)
		}
		v.SetInt(int64(d))
		return nil
	}
	if isText(t) {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	s = strings.TrimSpace(s)
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := parseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return fmt.Errorf("invalid integer %q", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return fmt.Errorf("invalid non-negative integer %q", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return fmt.Errorf("invalid number %q", s)
		}
		v.SetFloat(f)
	case reflect.Slice:
		if t.Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot set a %s from text", t)
		}
		v.Set(reflect.ValueOf(splitList(s)).Convert(t))
	default:
		return fmt.Errorf("cannot set a %s from text", t)
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "", "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q (use true or false)", s)
}

// splitList splits a comma-separated list, trimming spaces and dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func applyDefaults(c *Config) error {
	root := reflect.ValueOf(c).Elem()
	for _, f := range Fields() {
		if f.index == nil || f.Default == "" {
			continue
		}
		if err := setString(root.FieldByIndex(f.index), f.Default); err != nil {
			return fmt.Errorf("config: default of %s: %w", f.Key, err)
		}
	}
	return nil
}
