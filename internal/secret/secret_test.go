package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestStringNeverLeaks(t *testing.T) {
	const pw = "hunter2-very-secret"
	s := New(pw)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("login", "password", s)
	js, err := json.Marshal(struct{ P String }{s})
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"%v":     fmt.Sprintf("%v", s),
		"String": s.String(),
		"%+v":    fmt.Sprintf("%+v", struct{ P String }{s}),
		"%#v":    fmt.Sprintf("%#v", s),
		"json":   string(js),
		"slog":   logBuf.String(),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("%s leaked the secret: %q", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s: want redaction marker, got %q", name, out)
		}
	}
	if s.Reveal() != pw {
		t.Fatalf("Reveal() = %q", s.Reveal())
	}
	if s.IsZero() || !New("").IsZero() {
		t.Fatal("IsZero wrong")
	}
}
