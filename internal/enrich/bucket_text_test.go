package enrich

import (
	"encoding/json"
	"testing"
)

func TestBucketJSONRoundTrip(t *testing.T) {
	for _, b := range []Bucket{Critical, High, Medium, Low} {
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + b.String() + `"`; string(data) != want {
			t.Errorf("%d encodes as %s, want %s", b, data, want)
		}
		var got Bucket
		if err := json.Unmarshal(data, &got); err != nil || got != b {
			t.Errorf("%s decodes to %v, %v", data, got, err)
		}
	}
	var b Bucket
	if err := json.Unmarshal([]byte(`"extreme"`), &b); err == nil {
		t.Error(`"extreme" decoded without error`)
	}
}
