package config

import "reflect"

// Redacted returns a deep copy of c in which every setting tagged secret:"true", at any depth (also
// inside lists and maps of objects), is replaced by "<redacted>" (or zeroed when it is not a string).
// It is safe to print or log.
func (c *Config) Redacted() *Config {
	cp := reflect.New(reflect.TypeFor[Config]()).Elem()
	redactCopy(cp, reflect.ValueOf(c).Elem(), false)
	out := cp.Interface().(Config)
	return &out
}

// redactCopy deep-copies src into dst, blanking values when secret is set.
func redactCopy(dst, src reflect.Value, secret bool) {
	if secret && !src.IsZero() {
		if src.Kind() == reflect.String {
			dst.SetString("<redacted>")
		}
		return // dst stays zero for non-string secrets
	}
	switch src.Kind() {
	case reflect.Struct:
		if isText(src.Type()) {
			dst.Set(src)
			return
		}
		t := src.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			redactCopy(dst.Field(i), src.Field(i), t.Field(i).Tag.Get("secret") == "true")
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		out := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			redactCopy(out.Index(i), src.Index(i), false)
		}
		dst.Set(out)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			redactCopy(v, it.Value(), false)
			out.SetMapIndex(it.Key(), v)
		}
		dst.Set(out)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		redactCopy(p.Elem(), src.Elem(), false)
		dst.Set(p)
	default:
		dst.Set(src)
	}
}
