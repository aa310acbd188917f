package lab

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem in a lab file at a position.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

// Error formats "file:line:col: msg".
func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in a lab file, in file order.
type ErrorList []*Error

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// maxErrors bounds how many problems are reported.
const maxErrors = 20

// decoder walks a yaml.Node tree into the schema's structs, using their
// json tags as keys, and records errors with positions.
type decoder struct {
	file string
	errs ErrorList
}

// nodeDecoder is implemented by types that decode themselves.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node)
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) errorAt(p Pos, format string, args ...any) {
	d.errorf(&yaml.Node{Line: p.Line, Column: p.Col}, format, args...)
}

var (
	posType   = reflect.TypeOf(Pos{})
	yamlLineR = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// parseYAML parses data into a node tree, converting yaml's errors.
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLineR.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: m[2]})
		} else {
			d.errs = append(d.errs, &Error{File: d.file, Msg: strings.TrimPrefix(msg, "yaml: ")})
		}
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		d.errs = append(d.errs, &Error{File: d.file, Msg: "empty lab file"})
		return nil
	}
	return doc.Content[0]
}

// decode stores n into v (addressable).
func (d *decoder) decode(n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		d.errorf(n, "YAML aliases (*%s) are not supported in lab files", n.Value)
		return
	}
	if isNull(n) {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem())
		return
	}
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n)
		return
	}
	if sp, ok := v.Addr().Interface().(scalarParser); ok {
		if s, ok := d.scalar(n); ok {
			if err := sp.parseScalar(s); err != nil {
				d.errorf(n, "%v", err)
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, "expected a list, found %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		if s, ok := d.scalar(n); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n); ok {
			switch s {
			case "true":
				v.SetBool(true)
			case "false":
				v.SetBool(false)
			default:
				d.errorf(n, "invalid boolean %q (want true or false)", s)
			}
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if s, ok := d.scalar(n); ok {
			i, err := strconv.ParseInt(s, 10, v.Type().Bits())
			if err != nil || i < 0 {
				d.errorf(n, "invalid number %q (want a non-negative integer)", s)
				return
			}
			v.SetInt(i)
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if s, ok := d.scalar(n); ok {
			u, err := strconv.ParseUint(s, 10, v.Type().Bits())
			if err != nil {
				d.errorf(n, "invalid number %q (want an integer from 0 to %d)", s, uint64(1)<<v.Type().Bits()-1)
				return
			}
			v.SetUint(u)
		}
	default:
		d.errorf(n, "internal error: cannot decode into %s", v.Type())
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// scalar returns a scalar node's text, or records an error.
func (d *decoder) scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "expected a value, found %s", describe(n))
		return "", false
	}
	return n.Value, true
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// field is one key of a struct.
type field struct {
	name  string
	index []int
}

// fieldsOf lists a struct's keys from its json tags, flattening embedded
// structs.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tag == "" {
			for _, sub := range fieldsOf(f.Type) {
				out = append(out, field{sub.name, append([]int{i}, sub.index...)})
			}
			continue
		}
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		out = append(out, field{tag, []int{i}})
	}
	return out
}

// decodeStruct decodes a mapping into a struct; unknown and repeated keys
// are errors.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected a map, found %s", describe(n))
		return
	}
	if f, ok := v.Type().FieldByName("Pos"); ok && f.Type == posType {
		v.FieldByIndex(f.Index).Set(reflect.ValueOf(Pos{n.Line, n.Column}))
	}
	fields := fieldsOf(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key, ok := d.scalar(k)
		if !ok {
			continue
		}
		if seen[key] {
			d.errorf(k, "duplicate key %q", key)
			continue
		}
		seen[key] = true
		var fd *field
		for j := range fields {
			if fields[j].name == key {
				fd = &fields[j]
			}
		}
		if fd == nil {
			d.errorf(k, "unknown key %q%s", key, suggest(key, fields))
			continue
		}
		d.decode(val, v.FieldByIndex(fd.index))
	}
}

// suggest names the closest valid key, or lists them all.
func suggest(key string, fields []field) string {
	best, bestD := "", 1<<30
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
		if dd := editDistance(strings.ToLower(key), f.name); dd < bestD {
			best, bestD = f.name, dd
		}
	}
	if best != "" && bestD <= max(2, len(key)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	sort.Strings(names)
	return " (valid keys: " + strings.Join(names, ", ") + ")"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
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

// Hosts are the lab's hosts in file order; the file writes them as a map
// from name to host.
type Hosts []*Host

func (h *Hosts) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "hosts: expected a map of host name to host, found %s", describe(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.scalar(k)
		if !ok {
			continue
		}
		if seen[name] {
			d.errorf(k, "duplicate host %q", name)
			continue
		}
		seen[name] = true
		host := &Host{Name: name, Pos: Pos{k.Line, k.Column}}
		if !isNull(val) {
			d.decode(val, reflect.ValueOf(host).Elem())
		}
		host.Pos = Pos{k.Line, k.Column}
		*h = append(*h, host)
	}
}

// MarshalJSON writes the hosts as an object in file order.
func (h Hosts) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, host := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:", strconv.Quote(host.Name))
		j, err := marshalJSON(host)
		if err != nil {
			return nil, err
		}
		b.Write(j)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// Sysctls are name = value settings in file order.
type Sysctls []Sysctl

func (s *Sysctls) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "sysctl: expected a map of name to value, found %s", describe(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok1 := d.scalar(k)
		value, ok2 := d.scalar(val)
		if ok1 && ok2 {
			*s = append(*s, Sysctl{name, value, Pos{k.Line, k.Column}})
		}
	}
}

// MarshalJSON writes the settings as an object in file order.
func (s Sysctls) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%s", strconv.Quote(x.Name), strconv.Quote(x.Value))
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func (l *Line) decodeNode(d *decoder, n *yaml.Node) {
	if s, ok := d.scalar(n); ok {
		l.Text, l.Pos = s, Pos{n.Line, n.Column}
	}
}

func (e *Endpoint) decodeNode(d *decoder, n *yaml.Node) {
	if s, ok := d.scalar(n); ok {
		e.Pos = Pos{n.Line, n.Column}
		if err := e.parseScalar(s); err != nil {
			d.errorf(n, "%v", err)
		}
	}
}

// decodeNode decodes the common keys, then each direction's keys on top
// of a copy of them.
func (im *Impair) decodeNode(d *decoder, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "impair: expected a map, found %s", describe(n))
		return
	}
	common := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	var atob, btoa *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "a_to_b":
			atob = n.Content[i+1]
		case "b_to_a":
			btoa = n.Content[i+1]
		default:
			common.Content = append(common.Content, n.Content[i], n.Content[i+1])
		}
	}
	type plain Impair // without the decodeNode method
	d.decodeStruct(common, reflect.ValueOf((*plain)(im)).Elem())
	dir := func(sub *yaml.Node) *ImpairSpec {
		s := im.ImpairSpec
		if sub != nil && !isNull(sub) {
			d.decodeStruct(sub, reflect.ValueOf(&s).Elem())
		}
		return &s
	}
	if atob != nil {
		im.AtoB = dir(atob)
	}
	if btoa != nil {
		im.BtoA = dir(btoa)
	}
}

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
