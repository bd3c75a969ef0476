package transform

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzApply compares Apply with the reference decoder (encoding/json) on the
// default CSAM map: on valid JSON both must agree (a record the map reads a
// field of twice is Apply's error only); on any input Apply must not panic.
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
	c := defaultCompiled(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, err := c.Apply(raw)
		if !json.Valid(raw) {
			return
		}
		ref, refErr := applyReference(c, raw)
		if err != nil && strings.Contains(err.Error(), "appears twice") {
			return
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Apply error %v, reference error %v", err, refErr)
		}
		if err == nil {
			if got, want := string(renderRecord(rec)), string(renderRecord(ref)); got != want {
				t.Fatalf("Apply and reference differ:\napply: %s\nref:   %s", got, want)
			}
		}
	})
}
