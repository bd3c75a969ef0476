// Package secret holds credentials in a type that cannot leak by accident:
// it redacts itself when printed, logged or marshalled, and is revealed only
// where it is used (an Authorization header, a login form).
package secret

import (
	"encoding/json"
	"log/slog"
)

const redacted = "[redacted]"

// String is a secret string. Its zero value is the empty secret.
type String struct {
	v string
}

// New wraps s as a secret.
func New(s string) String { return String{v: s} }

// Reveal returns the secret value. Call it only at the point of use.
func (s String) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s String) IsZero() bool { return s.v == "" }

// String implements fmt.Stringer and always returns a redaction marker.
func (s String) String() string { return redacted }

// GoString implements fmt.GoStringer so that %#v does not leak either.
func (s String) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler; the value never leaves as JSON.
func (s String) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText implements encoding.TextMarshaler (YAML, form encoders).
func (s String) MarshalText() ([]byte, error) { return []byte(redacted), nil }
