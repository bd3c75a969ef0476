package transform

import (
	"math"
	"strconv"

	"github.com/qflow/qflow/internal/model"
)

// jsonKind is the kind of a scanned JSON value.
type jsonKind uint8

const (
	kindNull jsonKind = iota
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindObject
	kindArray
)

// value is one scanned scalar: for a string b is its unescaped content, for
// a number its literal text (never a float64: ids exceed 2^53).
type value struct {
	kind jsonKind
	b    []byte
}

// errConvert marks a value that cannot be converted to the row's type; the
// caller names the path, the type and the offending value.
type convertError struct{}

func (convertError) Error() string { return "cannot convert" }

var errConvert error = convertError{}

// converter converts a scanned value to a row type. present=false means
// absent (not written).
type converter func(v value) (out any, present bool, err error)

// converterFor returns the conversion of a row type (list rows convert each
// element to a string).
func converterFor(t model.Type) converter {
	switch t {
	case model.TypeString, model.TypeList:
		return toString
	case model.TypeInteger:
		return toInteger
	case model.TypeFloat:
		return toFloat
	case model.TypeBoolean:
		return toBoolean
	case model.TypeDatetime:
		return toDatetime
	case model.TypeIP:
		return toIP
	case model.TypeMAC:
		return toMAC
	}
	return nil
}

// toString keeps strings as they are (also ""), and writes numbers and
// booleans as their JSON text.
func toString(v value) (any, bool, error) {
	switch v.kind {
	case kindString, kindNumber:
		return string(v.b), true, nil
	case kindTrue:
		return "true", true, nil
	case kindFalse:
		return "false", true, nil
	}
	return nil, false, errConvert
}

// toInteger accepts JSON integers, integral numbers ("3200.0") within ±2^53,
// and numeric strings; "" is absent.
func toInteger(v value) (any, bool, error) {
	if v.kind != kindNumber && v.kind != kindString {
		return nil, false, errConvert
	}
	b := trimSpace(v.b)
	if len(b) == 0 {
		if v.kind == kindString {
			return nil, false, nil
		}
		return nil, false, errConvert
	}
	if n, ok := parseInt(b); ok {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return nil, false, errConvert
	}
	return int64(f), true, nil
}

// toFloat accepts JSON numbers and numeric strings; "" is absent.
func toFloat(v value) (any, bool, error) {
	if v.kind != kindNumber && v.kind != kindString {
		return nil, false, errConvert
	}
	b := trimSpace(v.b)
	if len(b) == 0 && v.kind == kindString {
		return nil, false, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false, errConvert
	}
	return f, true, nil
}

// toBoolean accepts true/false, the numbers 1/0 and the strings
// true/false/yes/no/1/0 in any case; "" is absent.
func toBoolean(v value) (any, bool, error) {
	switch v.kind {
	case kindTrue:
		return true, true, nil
	case kindFalse:
		return false, true, nil
	case kindNumber, kindString:
		b := trimSpace(v.b)
		if len(b) == 0 && v.kind == kindString {
			return nil, false, nil
		}
		if len(b) <= 5 {
			var lower [5]byte
			for i, c := range b {
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				lower[i] = c
			}
			switch string(lower[:len(b)]) {
			case "true", "yes", "1":
				return true, true, nil
			case "false", "no", "0":
				return false, true, nil
			}
		}
	}
	return nil, false, errConvert
}

// toDatetime accepts the forms of parseDatetime, and epoch milliseconds as a
// JSON number; 0, "" and "0" are absent.
func toDatetime(v value) (any, bool, error) {
	switch v.kind {
	case kindString:
		t, ok, err := parseDatetime(v.b)
		if err != nil {
			return nil, false, errConvert
		}
		if !ok {
			return nil, false, nil
		}
		return t, true, nil
	case kindNumber:
		n, ok := parseInt(v.b)
		if !ok {
			iv, _, err := toInteger(v)
			if err != nil {
				return nil, false, errConvert
			}
			n = iv.(int64)
		}
		t, ok, err := epochMillis(n)
		if err != nil {
			return nil, false, errConvert
		}
		if !ok {
			return nil, false, nil
		}
		return t, true, nil
	}
	return nil, false, errConvert
}

// toIP returns the canonical text of an IP address (see canonicalIP).
func toIP(v value) (any, bool, error) {
	if v.kind != kindString {
		return nil, false, errConvert
	}
	s, ok, err := canonicalIP(string(v.b))
	if err != nil {
		return nil, false, errConvert
	}
	if !ok {
		return nil, false, nil
	}
	return s, true, nil
}

// toMAC returns the canonical text of a MAC address (see canonicalMAC).
func toMAC(v value) (any, bool, error) {
	if v.kind != kindString {
		return nil, false, errConvert
	}
	s, ok, err := canonicalMAC(string(v.b))
	if err != nil {
		return nil, false, errConvert
	}
	if !ok {
		return nil, false, nil
	}
	return s, true, nil
}

// parseInt parses an optionally signed decimal integer that fits in int64.
func parseInt[T string | []byte](s T) (int64, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) || len(s)-i > 19 {
		return 0, false
	}
	var n uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
