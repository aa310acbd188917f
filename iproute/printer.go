package iproute

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Printer writes command output as iproute2's json_print layer does: each
// Print call names a JSON key and a text format, and the Printer writes
// whichever the command asked for (text, or JSON with -j, pretty with -p),
// so every object's show code is written once.
//
// Text formats are Go fmt formats with one verb for the value ("mtu %d ").
// In JSON an empty key means an array element.
type Printer struct {
	w      io.Writer
	json   bool
	pretty bool
	depth  int
	sep    byte // ',' once a value was written at this level, 0 otherwise
	err    error
}

// NewPrinter returns a text Printer, or a JSON one when json is set (pretty
// with pretty). A JSON Printer must be started with Begin and ended with
// End, which write the outer array iproute2 wraps every listing in.
func NewPrinter(w io.Writer, json, pretty bool) *Printer {
	return &Printer{w: w, json: json, pretty: pretty}
}

// JSON reports whether the Printer writes JSON (is_json_context).
func (p *Printer) JSON() bool { return p.json }

// Err returns the first write error.
func (p *Printer) Err() error { return p.err }

func (p *Printer) raw(s string) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, s)
	}
}

// Textf writes text output only (PRINT_FP).
func (p *Printer) Textf(format string, args ...any) {
	if !p.json {
		if len(args) == 0 {
			p.raw(format)
			return
		}
		p.raw(fmt.Sprintf(format, args...))
	}
}

// Begin opens the outer JSON array (new_json_obj); a no-op in text mode.
func (p *Printer) Begin() {
	if p.json {
		p.begin('[')
		if p.pretty {
			p.raw(" ")
		}
	}
}

// End closes the outer JSON array and ends the line (delete_json_obj).
func (p *Printer) End() {
	if p.json {
		p.CloseArrayJSON()
		p.raw("\n")
	}
}

func (p *Printer) eor() {
	if p.sep != 0 {
		p.raw(string(p.sep))
	}
	p.sep = ','
}

func (p *Printer) eol() {
	if p.pretty {
		p.raw("\n" + strings.Repeat("    ", p.depth))
	}
}

func (p *Printer) begin(c byte) {
	p.eor()
	p.raw(string(c))
	p.depth++
	p.sep = 0
}

func (p *Printer) end(c byte) {
	if p.depth > 0 {
		p.depth--
	}
	if p.sep != 0 {
		p.eol()
	}
	p.raw(string(c))
	p.sep = ','
}

func (p *Printer) name(key string) {
	p.eor()
	p.eol()
	p.sep = 0
	p.raw(quoteJSON(key))
	p.raw(":")
	if p.pretty {
		p.raw(" ")
	}
}

// value writes one JSON value under key (or as an array element).
func (p *Printer) value(key, v string) {
	if key != "" {
		p.name(key)
	}
	p.eor()
	p.raw(v)
}

// OpenObject opens a JSON object under key ("" inside an array); text
// output is unaffected (open_json_object).
func (p *Printer) OpenObject(key string) {
	if !p.json {
		return
	}
	if key != "" {
		p.name(key)
	}
	p.begin('{')
}

// CloseObject closes the innermost JSON object.
func (p *Printer) CloseObject() {
	if p.json {
		p.end('}')
	}
}

// OpenArray opens a JSON array under key; in text it writes text
// (open_json_array with PRINT_ANY).
func (p *Printer) OpenArray(key, text string) {
	if !p.json {
		p.raw(text)
		return
	}
	p.OpenArrayJSON(key)
}

// CloseArray closes a JSON array, or writes text.
func (p *Printer) CloseArray(text string) {
	if !p.json {
		p.raw(text)
		return
	}
	p.CloseArrayJSON()
}

// OpenArrayJSON opens a JSON array under key, JSON only.
func (p *Printer) OpenArrayJSON(key string) {
	if !p.json {
		return
	}
	if key != "" {
		p.name(key)
	}
	p.begin('[')
	if p.pretty {
		p.raw(" ")
	}
}

// CloseArrayJSON closes a JSON array, JSON only.
func (p *Printer) CloseArrayJSON() {
	if !p.json {
		return
	}
	if p.pretty && p.sep != 0 {
		p.raw(" ")
	}
	p.sep = 0
	p.end(']')
}

// PrintString prints a string: JSON key:value, or the text format.
func (p *Printer) PrintString(key, textFmt, v string) {
	if p.json {
		p.value(key, quoteJSON(v))
		return
	}
	p.Textf(textFmt, v)
}

// PrintUint prints an unsigned number.
func (p *Printer) PrintUint(key, textFmt string, v uint64) {
	if p.json {
		p.value(key, strconv.FormatUint(v, 10))
		return
	}
	p.Textf(textFmt, v)
}

// PrintInt prints a signed number.
func (p *Printer) PrintInt(key, textFmt string, v int64) {
	if p.json {
		p.value(key, strconv.FormatInt(v, 10))
		return
	}
	p.Textf(textFmt, v)
}

// PrintBool prints a boolean: JSON true/false; in text the format is
// written as is when v is true (print_bool).
func (p *Printer) PrintBool(key, textFmt string, v bool) {
	if p.json {
		p.value(key, strconv.FormatBool(v))
		return
	}
	if v {
		p.raw(textFmt)
	}
}

// PrintNull prints JSON null under key, or the text format with text.
func (p *Printer) PrintNull(key, textFmt, text string) {
	if p.json {
		p.value(key, "null")
		return
	}
	p.Textf(textFmt, text)
}

// JSONString prints a string in JSON only (PRINT_JSON).
func (p *Printer) JSONString(key, v string) {
	if p.json {
		p.value(key, quoteJSON(v))
	}
}

// JSONUint prints an unsigned number in JSON only.
func (p *Printer) JSONUint(key string, v uint64) {
	if p.json {
		p.value(key, strconv.FormatUint(v, 10))
	}
}

// JSONBool prints a boolean in JSON only.
func (p *Printer) JSONBool(key string, v bool) {
	if p.json {
		p.value(key, strconv.FormatBool(v))
	}
}

// quoteJSON escapes as iproute2's jsonw_puts does.
func quoteJSON(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\t':
			sb.WriteString(`\t`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\f':
			sb.WriteString(`\f`)
		case '\b':
			sb.WriteString(`\b`)
		case '\\':
			sb.WriteString(`\\`)
		case '"':
			sb.WriteString(`\"`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&sb, `\u%04x`, c)
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
