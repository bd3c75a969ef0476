package load

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
)

// appendJSON must write the bytes encoding/json writes: finding hashes
// stored by earlier versions were computed over them.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 5, 17, 4, 5, 123456789, time.FixedZone("x", 3600))
	cases := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"empty values", model.Values{}},
		{"nil values", model.Values(nil)},
		{"scalars", model.Values{"b": true, "a": int64(-42), "c": "plain", "d": nil, "e": false}},
		{"escaped", model.Values{"html": "<b>&amp;</b>", "quote": `say "hi" \ now`, "ctl": "tab\there\nnl\x01", "utf8": "café ☃ \u2028", "bad": "\xff\xfe"}},
		{"floats", model.Values{"f": 3.5, "g": 1e21, "h": 1e-7, "i": math.Copysign(0, -1), "j": 123456789.125, "k": math.MaxFloat64}},
		{"time", model.Values{"t": at, "zero": time.Time{}}},
		{"lists", model.Values{"l": []string{"a", "<b>", ""}, "empty": []string{}, "nil": []string(nil)}},
		{"keys sorted bytewise", model.Values{"Z": 1, "a": 2, "_": 3, "aa": 4, "é": 5, "<k>": 6}},
		{"nested", map[string]any{"m": map[string]any{"x": int64(1)}, "s": map[string]string{"b": "2", "a": "<1>"}}},
		{"string map", map[string]string{"z": "1", "a": "\u00e9"}},
		{"other type", []int{1, 2}},
		{"int", 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, werr := json.Marshal(c.v)
			got, gerr := appendJSON(nil, c.v)
			if (werr != nil) != (gerr != nil) {
				t.Fatalf("error %v, encoding/json %v", gerr, werr)
			}
			if string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// One encoder remembers the key orders of the shapes it met: maps of the
// same size but other keys, maps missing a key of a shape, nested maps and
// more shapes than it remembers must each still encode as encoding/json.
func TestEncoderRemembersShapes(t *testing.T) {
	seq := []any{
		model.Values{"b": int64(1), "a": "x"},
		model.Values{"b": int64(2), "a": "y"},       // the same shape
		model.Values{"c": int64(3), "a": "z"},       // same size, another key
		model.Values{"b": int64(4)},                 // a key fewer
		model.Values{"a": "w", "b": nil, "c": true}, // a key more
		model.Values{"b": int64(5), "a": "v"},       // the first shape again
		map[string]any{"n": model.Values{"b": int64(6), "a": "u"}, "a": model.Values{"c": int64(7), "a": "t"}},
		model.Values{"b": model.Values{"b": int64(8), "a": "s"}, "a": "r"}, // nested in a remembered shape
		model.Values{"b": int64(9), "a": map[string]any{"x": []int{1}}},    // falls back to encoding/json inside
		model.Values{},
		model.Values(nil),
	}
	for i := range maxOrders + 3 { // more shapes than remembered, then the first ones again
		seq = append(seq, model.Values{string(rune('a' + i)): int64(i), "k": "v"}, model.Values{"b": int64(i), "a": "q"})
	}
	e := &encoder{}
	for i, v := range seq {
		want, werr := json.Marshal(v)
		got, gerr := e.append(nil, v)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%d: error %v, encoding/json %v", i, gerr, werr)
		}
		if string(got) != string(want) {
			t.Errorf("%d: got  %s\nwant %s", i, got, want)
		}
	}
	if len(e.orders) > maxOrders {
		t.Errorf("%d shapes remembered, at most %d", len(e.orders), maxOrders)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("name", "value", int64(3), 2.5, true)
	f.Add("<a>", "\u2028\xff\"\\", int64(-1), 1e300, false)
	f.Fuzz(func(t *testing.T, k, s string, i int64, x float64, b bool) {
		v := model.Values{k: s, k + "i": i, k + "f": x, k + "b": b, k + "l": []string{s, k}}
		want, werr := json.Marshal(v)
		got, gerr := appendJSON(nil, v)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("error %v, encoding/json %v", gerr, werr)
		}
		if werr == nil && string(got) != string(want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		// Again, with the shape remembered, and a map of the same size
		// with one key changed.
		if got, _ = appendJSON(nil, v); werr == nil && string(got) != string(want) {
			t.Errorf("again: got  %s\nwant %s", got, want)
		}
		w := model.Values{k + "x": s, k + "i": i, k + "f": x, k + "b": b, k + "l": []string{s, k}}
		want, werr = json.Marshal(w)
		if got, gerr = appendJSON(nil, w); (werr != nil) != (gerr != nil) || (werr == nil && string(got) != string(want)) {
			t.Errorf("other key: got  %s (%v)\nwant %s (%v)", got, gerr, want, werr)
		}
	})
}

func BenchmarkJSONText(b *testing.B) {
	v := model.Values{"qid": int64(38173), "type": "Confirmed", "severity": int64(3), "status": "Active", "port": int64(443),
		"protocol": "tcp", "ssl": true, "first_found": time.Now(), "last_found": time.Now(), "times_found": int64(12),
		"qds": int64(35), "qds_severity": "LOW", "unique_vuln_id": int64(123456789), "is_ignored": false, "is_disabled": false}
	b.Run("appendJSON", func(b *testing.B) {
		for b.Loop() {
			if _, err := jsonText(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
