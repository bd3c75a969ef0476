package qualyssim

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// xw writes the indented XML of the API server. Text elements are CDATA
// wrapped as in the real responses; with ws set the CDATA section stands on
// its own line inside the element (the whitespace quirk of some responses).
type xw struct {
	w   *bufio.Writer
	ws  bool
	num [24]byte
}

const indentSpaces = "                                                            "

func (x *xw) indent(n int) {
	x.w.WriteByte('\n')
	x.w.WriteString(indentSpaces[:min(n, len(indentSpaces))])
}

// open writes <name> on a new line at indent n.
func (x *xw) open(n int, name string) {
	x.indent(n)
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// close writes </name> on a new line at indent n.
func (x *xw) close(n int, name string) {
	x.indent(n)
	x.end(name)
}

func (x *xw) end(name string) {
	x.w.WriteString("</")
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// raw writes <name>v</name> with v already safe (numbers, dates, enums).
func (x *xw) raw(n int, name, v string) {
	x.open(n, name)
	x.w.WriteString(v)
	x.end(name)
}

// text writes <name>escaped v</name>.
func (x *xw) text(n int, name, v string) {
	x.open(n, name)
	writeEscaped(x.w, v)
	x.end(name)
}

// int writes <name>v</name>.
func (x *xw) int(n int, name string, v int64) {
	x.open(n, name)
	x.w.Write(strconv.AppendInt(x.num[:0], v, 10))
	x.end(name)
}

// bool01 writes <name>0|1</name>.
func (x *xw) bool01(n int, name string, v bool) {
	if v {
		x.raw(n, name, "1")
	} else {
		x.raw(n, name, "0")
	}
}

// date writes <name>YYYY-MM-DDTHH:MM:SSZ</name>.
func (x *xw) date(n int, name string, sec int64) {
	x.open(n, name)
	x.w.Write(appendDate(x.num[:0], sec))
	x.end(name)
}

// cdata writes <name><![CDATA[v]]></name>.
func (x *xw) cdata(n int, name, v string) {
	x.open(n, name)
	if x.ws {
		x.indent(n + 2)
	}
	writeCDATA(x.w, v)
	if x.ws {
		x.indent(n)
	}
	x.end(name)
}

// cdataAttr writes <name attr="val"><![CDATA[v]]></name>.
func (x *xw) cdataAttr(n int, name, attr, val, v string) {
	x.indent(n)
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte(' ')
	x.w.WriteString(attr)
	x.w.WriteString(`="`)
	writeEscaped(x.w, val)
	x.w.WriteString(`">`)
	writeCDATA(x.w, v)
	x.end(name)
}

// rawAttr writes <name attr="val">v</name>.
func (x *xw) rawAttr(n int, name, attr, val, v string) {
	x.indent(n)
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte(' ')
	x.w.WriteString(attr)
	x.w.WriteString(`="`)
	writeEscaped(x.w, val)
	x.w.WriteString(`">`)
	x.w.WriteString(v)
	x.end(name)
}

// comment writes a comment on its own line at column 0.
func (x *xw) comment(text string) {
	x.w.WriteString("\n<!-- ")
	x.w.WriteString(text)
	x.w.WriteString(" -->")
}

// cdataHTML writes <name><![CDATA[v HTML-escaped]]></name>, the way RESULTS
// are stored (a parsed RESULTS still holds &quot; &apos; &lt; &gt; &amp;).
func (x *xw) cdataHTML(n int, name string, v []byte) {
	x.open(n, name)
	if x.ws {
		x.indent(n + 2)
	}
	x.w.WriteString("<![CDATA[")
	last := 0
	for i, c := range v {
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		default:
			continue
		}
		x.w.Write(v[last:i])
		x.w.WriteString(esc)
		last = i + 1
	}
	x.w.Write(v[last:])
	x.w.WriteString("]]>")
	if x.ws {
		x.indent(n)
	}
	x.end(name)
}

// writeCDATA writes a CDATA section, splitting any "]]>" in v.
func writeCDATA(w *bufio.Writer, v string) {
	w.WriteString("<![CDATA[")
	for {
		i := strings.Index(v, "]]>")
		if i < 0 {
			break
		}
		w.WriteString(v[:i+2])
		w.WriteString("]]><![CDATA[")
		v = v[i+2:]
	}
	w.WriteString(v)
	w.WriteString("]]>")
}

// writeEscaped writes v with the XML special characters escaped.
func writeEscaped(w *bufio.Writer, v string) {
	last := 0
	for i := 0; i < len(v); i++ {
		var esc string
		switch v[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		w.WriteString(v[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(v[last:])
}

// appendDate appends unix seconds as YYYY-MM-DDTHH:MM:SSZ.
func appendDate(b []byte, sec int64) []byte {
	if sec < 0 || sec >= 253402300800 {
		return time.Unix(sec, 0).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	}
	s := isoMsBytes(sec * 1000) // 2006-01-02T15:04:05.000Z
	b = append(b, s[:19]...)
	return append(b, 'Z')
}

// fmtDate formats unix seconds as YYYY-MM-DDTHH:MM:SSZ.
func fmtDate(sec int64) string { return string(appendDate(nil, sec)) }
