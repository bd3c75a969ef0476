package load

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/qflow/qflow/internal/model"
)

// The planner encodes every record, install, list row and finding it writes
// as JSON (hundreds of thousands of small maps a run), and hashes findings
// by their encoding. appendJSON writes exactly the bytes encoding/json
// writes for the value types of model.Values (string, int64, float64, bool,
// time.Time, []string, nil) without its reflection and per-map sorting
// allocations; anything else, and strings it would escape, go through
// encoding/json itself, so the bytes (and the finding hashes stored by
// earlier versions) stay the same.

// encoders holds encoders (a buffer and the key orders of the map shapes
// met last).
var encoders = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 1024)} }}

// maxOrders is how many map shapes an encoder remembers.
const maxOrders = 16

// encoder encodes values as appendJSON does, remembering the sorted keys of
// the map shapes it met last: a run encodes a million maps of a dozen
// shapes (installs, list rows, findings), and sorting each one's keys was
// a third of the encoding (`qflow bench --source csam`, pprof).
type encoder struct {
	buf    []byte
	orders []keyOrder // the most recently used first
	keys   []string   // scratch for a new shape
}

// keyOrder is the keys of a map shape in encoding order, with each key's
// encoding ("\"key\":").
type keyOrder struct {
	keys []string
	enc  []string
}

// appendJSON appends the JSON encoding of v to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	b, err := e.append(b, v)
	encoders.Put(e)
	return b, err
}

func (e *encoder) append(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, t), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case []string:
		if t == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), nil
	case time.Time:
		// MarshalJSON's bytes (RFC 3339 with nanoseconds, quoted) without
		// its allocation; AppendText fails where MarshalJSON does.
		start := len(b)
		b, err := t.AppendText(append(b, '"'))
		if err != nil {
			return b[:start], err
		}
		return append(b, '"'), nil
	case model.Values:
		return appendMap(e, b, t)
	case map[string]any:
		return appendMap(e, b, t)
	case map[string]string:
		if t == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			b = appendJSONString(b, t[k])
		}
		return append(b, '}'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// appendMap appends m with its keys sorted, as encoding/json orders them.
// A remembered shape is used when m has as many keys and holds each of
// them (then it holds exactly those); otherwise m's keys are sorted and
// remembered.
func appendMap[M ~map[string]any](e *encoder, b []byte, m M) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	start := len(b)
	for i, o := range e.orders {
		if len(o.keys) != len(m) {
			continue
		}
		b = append(b, '{')
		var err error
		match := true
		for j, k := range o.keys {
			v, ok := m[k]
			if !ok {
				match = false
				break
			}
			if j > 0 {
				b = append(b, ',')
			}
			// o is a copy: a nested map may reorder e.orders meanwhile.
			if b, err = e.append(append(b, o.enc[j]...), v); err != nil {
				return b[:start], err
			}
		}
		if match {
			if i > 0 && i < len(e.orders) && sameOrder(e.orders[i], o) {
				copy(e.orders[1:i+1], e.orders[:i])
				e.orders[0] = o
			}
			return append(b, '}'), nil
		}
		b = b[:start]
	}
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := keyOrder{keys: slices.Clone(keys), enc: make([]string, len(keys))}
	clear(keys)
	e.keys = keys[:0]
	for j, k := range o.keys {
		o.enc[j] = string(append(appendJSONString(nil, k), ':'))
	}
	if len(e.orders) < maxOrders {
		e.orders = append(e.orders, keyOrder{})
	}
	copy(e.orders[1:], e.orders[:len(e.orders)-1])
	e.orders[0] = o
	b = append(b, '{')
	var err error
	for j, k := range o.keys {
		if j > 0 {
			b = append(b, ',')
		}
		if b, err = e.append(append(b, o.enc[j]...), m[k]); err != nil {
			return b[:start], err
		}
	}
	return append(b, '}'), nil
}

// sameOrder reports whether a and b are the same remembered shape.
func sameOrder(a, b keyOrder) bool {
	return len(a.keys) == len(b.keys) && (len(a.keys) == 0 || &a.keys[0] == &b.keys[0])
}

// appendJSONString appends s quoted as encoding/json quotes it (with HTML
// escaping): printable ASCII without <, >, &, " or \ is copied as is,
// anything else is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
