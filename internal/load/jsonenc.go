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

// bufPool holds encoding buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// keysPool holds key slices for sorting map keys.
var keysPool = sync.Pool{New: func() any { s := make([]string, 0, 32); return &s }}

// appendJSON appends the JSON encoding of v to b.
func appendJSON(b []byte, v any) ([]byte, error) {
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
		j, err := t.MarshalJSON()
		if err != nil {
			return b, err
		}
		return append(b, j...), nil
	case model.Values:
		return appendJSONMap(b, t)
	case map[string]any:
		return appendJSONMap(b, t)
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

func appendJSONMap[M ~map[string]any](b []byte, m M) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	kp := keysPool.Get().(*[]string)
	keys := (*kp)[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		if b, err = appendJSON(b, m[k]); err != nil {
			break
		}
	}
	clear(keys)
	*kp = keys[:0]
	keysPool.Put(kp)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
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
