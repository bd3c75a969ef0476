package transform

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strings"

	"github.com/qflow/qflow/internal/model"
)

//go:embed schemas/*.txt
var schemaFS embed.FS

// Schema kinds: the JSON kind of a source path.
const (
	schemaString  = "string"
	schemaInteger = "integer"
	schemaNumber  = "number"
	schemaBoolean = "boolean"
	schemaObject  = "object"
	schemaArray   = "array"
)

// sourceSchema maps every valid source path of one source ("a.b[].c") to its
// JSON kind. Containers are implied by their fields: "a" is an object,
// "a.b" an array, "a.b[]" an object (the element).
type sourceSchema map[string]string

// loadSchema reads the embedded schema of source (schemas/<source>.txt).
func loadSchema(source model.Source) (sourceSchema, error) {
	data, err := schemaFS.ReadFile("schemas/" + strings.ToLower(string(source)) + ".txt")
	if err != nil {
		return nil, fmt.Errorf("no source schema")
	}
	return parseSchema(data)
}

// parseSchema parses "path kind" lines; blank lines and '#' comments are skipped.
func parseSchema(data []byte) (sourceSchema, error) {
	s := sourceSchema{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("schema line %d: want \"path kind\"", n)
		}
		switch f[1] {
		case schemaString, schemaInteger, schemaNumber, schemaBoolean, schemaObject:
		default:
			return nil, fmt.Errorf("schema line %d: unknown kind %q", n, f[1])
		}
		segs, err := splitPath(f[0])
		if err != nil {
			return nil, fmt.Errorf("schema line %d: %v", n, err)
		}
		// implied containers
		var b strings.Builder
		for i, sg := range segs {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(sg.name)
			last := i == len(segs)-1
			if sg.list {
				s.add(b.String(), schemaArray)
				b.WriteString("[]")
			}
			if !last {
				s.add(b.String(), schemaObject)
			}
		}
		s[f[0]] = f[1]
	}
	return s, sc.Err()
}

func (s sourceSchema) add(path, kind string) {
	if _, ok := s[path]; !ok {
		s[path] = kind
	}
}

// isLeaf reports whether a kind is a scalar a row can read.
func isLeaf(kind string) bool {
	return kind != schemaObject && kind != schemaArray
}

// segment is one dotted part of a source path; list marks "name[]".
type segment struct {
	name string
	list bool
}

// splitPath splits a source path into segments, checking its syntax.
func splitPath(p string) ([]segment, error) {
	if p == "" {
		return nil, fmt.Errorf("empty path")
	}
	parts := strings.Split(p, ".")
	segs := make([]segment, 0, len(parts))
	for _, part := range parts {
		sg := segment{name: part}
		if name, ok := strings.CutSuffix(part, "[]"); ok {
			sg = segment{name: name, list: true}
		}
		if sg.name == "" {
			return nil, fmt.Errorf("empty segment in %q", p)
		}
		if strings.ContainsAny(sg.name, "[] \t") {
			return nil, fmt.Errorf("bad segment %q (only a trailing \"[]\" is allowed, no spaces)", part)
		}
		segs = append(segs, sg)
	}
	return segs, nil
}
