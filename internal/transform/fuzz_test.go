package transform

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/qflow/qflow/internal/model"
)

// FuzzApply compares Apply with the reference decoder (encoding/json) on each
// default map (CSAM, VMDR, KB): on valid JSON both must agree (a record the
// map reads a field of twice is Apply's error only); on any input Apply must
// not panic.
func FuzzApply(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*", "input.json"))
	for _, in := range inputs {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Add(bigAsset(3))
	f.Add([]byte(`{"assetId":1,"assetId":2}`))
	f.Add([]byte(`{"assetId":1,"dnsName":"a\u0062c","tagList":{"tag":[{"tagName":"x"},null,{"tagName":7}]}}`))
	f.Add(bigVMDRHost(2))
	f.Add([]byte(`{"ID":1,"VULNERABILITIES":[{"QID_INFO":{"qid":{"cveId":["a",null,"",3]},"corExploit":[{},{"vendorName":"v"}]}},null,{}]}`))
	f.Add([]byte(`{"QID":1,"CORRELATION":{"EXPLOITS":[{"EXPLT_LIST":[{"REF":"r"},null]},{"EXPLT_LIST":null}]}}`))
	maps := []*Compiled{
		defaultCompiled(f),
		defaultCompiledFor(f, model.SourceVMDR),
		defaultCompiledFor(f, model.SourceKB),
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, c := range maps {
			rec, err := c.Apply(raw)
			if !json.Valid(raw) || duplicateKeys(raw) {
				// encoding/json keeps the last of duplicate keys; Apply
				// reports them or fails on the first value it converts
				continue
			}
			ref, refErr := applyReference(c, raw)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("%s: Apply error %v, reference error %v", c.Map().Name, err, refErr)
			}
			if err == nil {
				if got, want := string(renderRecord(rec)), string(renderRecord(ref)); got != want {
					t.Fatalf("%s: Apply and reference differ:\napply: %s\nref:   %s", c.Map().Name, got, want)
				}
			}
		}
	})
}

// duplicateKeys reports whether some object of a valid JSON document has a
// key twice.
func duplicateKeys(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.keys[s] {
				return true
			}
			top.keys[s] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// a value ended: in an object the next token is a key
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

func TestDuplicateKeys(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`: false,
		`{"a":1,"a":2}`:                    true,
		`{"x":[{"a":{"b":1,"b":null}}]}`:   true,
		`{"a":[],"b":{},"c":"a","a2":"a"}`: false,
		`[{"k":"k"},{"k":1}]`:              false,
	} {
		if got := duplicateKeys([]byte(in)); got != want {
			t.Errorf("duplicateKeys(%s) = %v, want %v", in, got, want)
		}
	}
}
