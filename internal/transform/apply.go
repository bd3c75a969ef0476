package transform

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qflow/qflow/internal/model"
)

// Apply transforms one source record (raw: one JSON object, e.g. a CSAM
// asset) into a model.Record.
//
// The record is read in one pass over the bytes, along the compiled paths
// only; values no row reads are skipped without being decoded. Numbers are
// kept as their text until a row converts them (as json.Decoder.UseNumber
// would), so 64-bit ids stay exact. A missing or null value is absent (not in
// Values); a list element that yields no value is dropped.
//
// The error names the source path, the expected type and the offending value
// when a value cannot be converted or has the wrong shape (a string where a
// list is expected, an object where a value is expected), when the key is
// missing or not an integer (or string, per the schema), when a key the map
// reads appears twice in one object, and when the JSON is malformed where it
// is read. Callers quarantine the record with the error text as the reason.
func (c *Compiled) Apply(raw []byte) (*model.Record, error) {
	d := decoder{c: c, data: raw}
	d.rec = &model.Record{
		Source: c.m.Source,
		Host:   make(model.Values, c.hostCap),
		Lists:  map[string][]model.Item{},
	}
	if len(c.collects) > 0 {
		d.collects = make([][]string, len(c.collects))
	}
	d.ws()
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		return nil, errors.New("record is not a JSON object")
	}
	if err := d.object(c.root); err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.data) {
		return nil, fmt.Errorf("unexpected data after the record at offset %d", d.i)
	}
	if !d.keyFound {
		return nil, fmt.Errorf("%s: the record key is missing", c.keyPath)
	}
	for i, vals := range d.collects {
		if len(vals) > 0 {
			d.rec.Host[c.collects[i]] = vals
		}
	}
	return d.rec, nil
}

// decoder is the state of one Apply.
type decoder struct {
	c    *Compiled
	data []byte
	i    int
	rec  *model.Record

	keyFound bool
	collects [][]string

	memos []*keyMemo
	last  []lastValue

	// the list element being read
	item    model.Item
	vals    []model.Values // the item's values, by entity slot
	list    *listInfo
	elemIdx int
	// the element of a nested list being read (inside the element above)
	nested  bool
	nestIdx int
}

var errEOF = errors.New("unexpected end of JSON")

func (d *decoder) syntaxErr(what string) error {
	if d.i >= len(d.data) {
		return errEOF
	}
	return fmt.Errorf("malformed JSON at offset %d: %s", d.i, what)
}

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads an object whose fields n's children may read; d.i is at '{'.
func (d *decoder) object(n *node) error {
	d.i++
	var seen [2]uint64 // children seen in this object, to reject duplicates
	// The elements of one list have their fields in the same order: remember
	// the order of the first element and check each key against it.
	var memo *keyMemo
	if n.inList {
		memo = d.memoFor(n)
	}
	k := 0
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		d.ws()
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return d.syntaxErr("want a field name")
		}
		key, err := d.readKey()
		if err != nil {
			return err
		}
		d.ws()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return d.syntaxErr("want ':'")
		}
		d.i++
		var child *node
		if memo != nil {
			child = memo.lookup(n, k, key)
		} else {
			child = n.kids[string(key)]
		}
		k++
		if child != nil {
			if child.idx < 128 {
				w, bit := child.idx/64, uint64(1)<<(child.idx%64)
				if seen[w]&bit != 0 {
					return fmt.Errorf("%s: the field appears twice in one object", d.display(child.path))
				}
				seen[w] |= bit
			}
			if err := d.value(child); err != nil {
				return err
			}
		} else if err := d.skip(); err != nil {
			return err
		}
		if done, err := d.next('}'); done || err != nil {
			return err
		}
	}
}

// interned converts v, reusing the previous result of the same row when the
// value is the same: list columns repeat (publisher, category, dates) and a
// reused value costs no allocation.
func (d *decoder) interned(lf *leaf, v value) (any, bool, error) {
	if d.last == nil {
		d.last = make([]lastValue, d.c.nLeaves)
	}
	l := &d.last[lf.id]
	if l.out != nil && l.kind == v.kind && bytes.Equal(l.b, v.b) {
		return l.out, true, nil
	}
	out, ok, err := lf.conv(v)
	if err == nil && ok {
		*l = lastValue{kind: v.kind, b: v.b, out: out}
	}
	return out, ok, err
}

// lastValue is the last value a row converted.
type lastValue struct {
	kind jsonKind
	b    []byte
	out  any
}

// keyMemo remembers, for the elements of one list, which field name came at
// each position and which child (or none) it named.
type keyMemo struct {
	n    *node
	keys [][]byte
	kids []*node
}

func (d *decoder) memoFor(n *node) *keyMemo {
	for _, m := range d.memos {
		if m.n == n {
			return m
		}
	}
	m := &keyMemo{n: n}
	d.memos = append(d.memos, m)
	return m
}

// lookup returns the child named key, the k-th field of an element object.
func (m *keyMemo) lookup(n *node, k int, key []byte) *node {
	if k < len(m.keys) && bytes.Equal(m.keys[k], key) {
		return m.kids[k]
	}
	child := n.kids[string(key)]
	if k < len(m.keys) {
		m.keys[k], m.kids[k] = key, child
	} else if k == len(m.keys) {
		m.keys = append(m.keys, key)
		m.kids = append(m.kids, child)
	}
	return child
}

// value reads the value at node n.
func (d *decoder) value(n *node) error {
	d.ws()
	if d.i >= len(d.data) {
		return errEOF
	}
	c := d.data[d.i]
	if c == 'n' {
		return d.literal("null") // absent
	}
	switch {
	case n.elem != nil:
		if c != '[' {
			return d.shapeErr(n.path, "a list")
		}
		return d.array(n)
	case n.kids != nil:
		if c != '{' {
			return d.shapeErr(n.path, "an object")
		}
		return d.object(n)
	}
	start := d.i
	v, err := d.scalar()
	if err != nil {
		return err
	}
	raw := d.data[start:d.i]
	if v.kind == kindObject || v.kind == kindArray {
		want := "a value"
		if len(n.leaves) > 0 {
			want = string(n.leaves[0].typ)
		}
		return fmt.Errorf("%s: expected %s, got %s", d.display(n.path), want, truncate(raw))
	}
	if n.isKey {
		if err := d.key(n, v, raw); err != nil {
			return err
		}
	}
	for _, lf := range n.leaves {
		if err := d.write(n, lf, v, raw); err != nil {
			return err
		}
	}
	return nil
}

// array reads the elements of list node n; d.i is at '['.
func (d *decoder) array(n *node) error {
	d.i++
	d.ws()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return nil
	}
	li := n.list
	if li.nested {
		return d.nestedArray(n)
	}
	for idx := 0; ; idx++ {
		d.item, d.list, d.elemIdx = nil, li, idx
		if cap(d.vals) < len(li.entities) {
			d.vals = make([]model.Values, len(li.entities))
		}
		d.vals = d.vals[:len(li.entities)]
		clear(d.vals)
		if err := d.value(n.elem); err != nil {
			return err
		}
		if len(d.item) > 0 {
			d.rec.Lists[li.path] = append(d.rec.Lists[li.path], d.item)
		}
		d.item, d.list = nil, nil
		if done, err := d.next(']'); done || err != nil {
			return err
		}
	}
}

// nestedArray reads the elements of a list inside a list element (d.i past
// '[' and a first element ahead). Its values are collected into list fields
// (of the enclosing element or of the record); it makes no items.
func (d *decoder) nestedArray(n *node) error {
	defer func() { d.nested, d.nestIdx = false, 0 }()
	for idx := 0; ; idx++ {
		d.nested, d.nestIdx = true, idx
		if err := d.value(n.elem); err != nil {
			return err
		}
		if done, err := d.next(']'); done || err != nil {
			return err
		}
	}
}

// key records the record's native key.
func (d *decoder) key(n *node, v value, raw []byte) error {
	want := "an integer"
	if !d.c.keyInt {
		want = "an integer or a string"
	}
	bad := func() error {
		return fmt.Errorf("%s: the record key must be %s, got %s", d.display(n.path), want, truncate(raw))
	}
	switch v.kind {
	case kindNumber, kindString:
		b := trimSpace(v.b)
		if k, ok := parseInt(b); ok {
			d.rec.NativeKey = strconv.FormatInt(k, 10)
		} else if v.kind == kindString && !d.c.keyInt && len(b) > 0 {
			d.rec.NativeKey = string(b)
		} else {
			return bad()
		}
	default:
		return bad()
	}
	d.keyFound = true
	return nil
}

// write converts v for one row and stores it.
func (d *decoder) write(n *node, lf *leaf, v value, raw []byte) error {
	if lf.norm != nil && (v.kind == kindString || v.kind == kindNumber) {
		s, ok, err := lf.norm(string(v.b))
		if err != nil {
			return d.convErr(n, lf, raw)
		}
		if !ok {
			return nil
		}
		v.b = []byte(s)
	}
	var out any
	var ok bool
	var err error
	if lf.intern {
		out, ok, err = d.interned(lf, v)
	} else {
		out, ok, err = lf.conv(v)
	}
	if err != nil {
		if lf.lenient {
			return nil
		}
		return d.convErr(n, lf, raw)
	}
	if !ok {
		return nil
	}
	switch lf.mode {
	case modeHost:
		d.rec.Host[lf.field] = out
	case modeElem:
		d.elemValues(lf)[lf.field] = out
	case modeCollect:
		if s := out.(string); s != "" {
			d.collects[lf.collect] = append(d.collects[lf.collect], s)
		}
	case modeElemList:
		if s := out.(string); s != "" {
			vals := d.elemValues(lf)
			l, _ := vals[lf.field].([]string)
			vals[lf.field] = append(l, s)
		}
	}
	return nil
}

// elemValues returns the values of lf's entity in the current list element,
// creating the item and the values on first use.
func (d *decoder) elemValues(lf *leaf) model.Values {
	vals := d.vals[lf.slot]
	if vals == nil {
		if d.item == nil {
			d.item = make(model.Item, len(d.list.entities))
		}
		vals = make(model.Values, d.list.fields[lf.slot])
		d.item[lf.entity] = vals
		d.vals[lf.slot] = vals
	}
	return vals
}

func (d *decoder) convErr(n *node, lf *leaf, raw []byte) error {
	return fmt.Errorf("%s: expected %s, got %s", d.display(n.path), lf.typ, truncate(raw))
}

// shapeErr reports a value of the wrong shape (d.i at its start).
func (d *decoder) shapeErr(path, want string) error {
	start := d.i
	if err := d.skip(); err != nil {
		return err
	}
	return fmt.Errorf("%s: expected %s, got %s", d.display(path), want, truncate(d.data[start:d.i]))
}

// display shows a path with the current element indexes: "a.b[3].c",
// "a[3].b[0].c" in a nested list.
func (d *decoder) display(path string) string {
	if d.list == nil {
		return path
	}
	path = strings.Replace(path, "[]", "["+strconv.Itoa(d.elemIdx)+"]", 1)
	if d.nested {
		path = strings.Replace(path, "[]", "["+strconv.Itoa(d.nestIdx)+"]", 1)
	}
	return path
}

// truncate renders an offending value for an error message.
func truncate(raw []byte) string {
	const max = 60
	if len(raw) <= max {
		return string(raw)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return string(raw[:cut]) + "…"
}

// scalar reads one value at d.i. Objects and arrays are skipped and reported
// by kind only.
func (d *decoder) scalar() (value, error) {
	switch c := d.data[d.i]; {
	case c == '"':
		b, err := d.readString()
		return value{kind: kindString, b: b}, err
	case c == 't':
		return value{kind: kindTrue}, d.literal("true")
	case c == 'f':
		return value{kind: kindFalse}, d.literal("false")
	case c == 'n':
		return value{kind: kindNull}, d.literal("null")
	case c == '{':
		return value{kind: kindObject}, d.skip()
	case c == '[':
		return value{kind: kindArray}, d.skip()
	case c == '-' || '0' <= c && c <= '9':
		start := d.i
		if err := d.number(); err != nil {
			return value{}, err
		}
		return value{kind: kindNumber, b: d.data[start:d.i]}, nil
	}
	return value{}, d.syntaxErr("want a value")
}

func (d *decoder) literal(lit string) error {
	if !bytes.HasPrefix(d.data[d.i:], []byte(lit)) {
		return d.syntaxErr("want " + lit)
	}
	d.i += len(lit)
	return nil
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() error {
	b, i := d.data, d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digitsFrom := func() bool {
		s := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > s
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digitsFrom():
		d.i = i
		return d.syntaxErr("bad number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digitsFrom() {
			d.i = i
			return d.syntaxErr("bad number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digitsFrom() {
			d.i = i
			return d.syntaxErr("bad number")
		}
	}
	d.i = i
	return nil
}

// readString reads a string at d.i (at '"') and returns its content,
// unescaped. Strings without escapes, control characters or non-ASCII bytes
// are returned as a slice of the input.
func (d *decoder) readString() ([]byte, error) {
	start := d.i + 1
	end, err := d.stringEnd(start)
	if err != nil {
		return nil, err
	}
	d.i = end + 1
	content := d.data[start:end]
	if plainASCII(content) {
		return content, nil
	}
	// slow path: let encoding/json unescape (and replace invalid UTF-8 with
	// U+FFFD, as it does everywhere else)
	var s string
	if err := json.Unmarshal(d.data[start-1:end+1], &s); err != nil {
		d.i = start - 1
		return nil, d.syntaxErr("bad string")
	}
	return []byte(s), nil
}

// plainASCII reports whether b holds only printable ASCII without '\\':
// a string that needs no unescaping or UTF-8 repair. Eight bytes at a time.
func plainASCII(b []byte) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		ctl := (x - ones*0x20) &^ x & highs                        // a byte < 0x20
		bsl := ((x ^ ones*'\\') - ones) &^ (x ^ ones*'\\') & highs // a '\\'
		if (x&highs)|ctl|bsl != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

// readKey reads a field name. Only escapes need decoding: field names the
// map reads are ASCII, so other bytes compare as they are.
func (d *decoder) readKey() ([]byte, error) {
	start := d.i + 1
	end, err := d.stringEnd(start)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(d.data[start:end], '\\') < 0 {
		d.i = end + 1
		return d.data[start:end], nil
	}
	return d.readString()
}

// stringEnd returns the index of the closing quote of a string whose content
// starts at from.
func (d *decoder) stringEnd(from int) (int, error) {
	j := from
	for {
		k := bytes.IndexByte(d.data[j:], '"')
		if k < 0 {
			d.i = len(d.data)
			return 0, errEOF
		}
		j += k
		bs := 0
		for p := j - 1; p >= from && d.data[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return j, nil
		}
		j++
	}
}

// skip passes over one value without decoding it, checking that brackets
// match and strings end.
func (d *decoder) skip() error {
	d.ws()
	if d.i >= len(d.data) {
		return errEOF
	}
	switch c := d.data[d.i]; c {
	case '"':
		end, err := d.stringEnd(d.i + 1)
		if err != nil {
			return err
		}
		d.i = end + 1
		return nil
	case '{', '[':
		var stackBuf [32]byte
		stack := stackBuf[:0]
		for d.i < len(d.data) {
			switch c := d.data[d.i]; c {
			case '"':
				end, err := d.stringEnd(d.i + 1)
				if err != nil {
					return err
				}
				d.i = end
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					return d.syntaxErr("mismatched bracket")
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					d.i++
					return nil
				}
			}
			d.i++
		}
		return errEOF
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.number()
}

// next reads the separator after a member or element: ',' (more follow) or
// the closing byte (done).
func (d *decoder) next(closing byte) (done bool, err error) {
	d.ws()
	if d.i >= len(d.data) {
		return false, errEOF
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		return false, nil
	case closing:
		d.i++
		return true, nil
	}
	return false, d.syntaxErr("want ',' or '" + string(closing) + "'")
}
