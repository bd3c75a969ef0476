package transform

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/qflow/qflow/internal/model"
)

// Row is one line of a transform map: read the value at Source, convert it to
// Type (after the optional Normalizer) and write it to Target ("entity.field"
// of the model catalog).
type Row struct {
	// Source is a dotted JSON path into one source record; "X[]" marks the
	// element of the list X (e.g. "softwareListData.software[].fullName").
	Source string `yaml:"source" json:"source"`
	// Type is the data type the value is converted to.
	Type model.Type `yaml:"type" json:"type"`
	// Target is the catalog field written, "entity.field".
	Target string `yaml:"target" json:"target"`
	// Normalizer optionally names a normalizer applied before the conversion.
	Normalizer string `yaml:"normalizer,omitempty" json:"normalizer,omitempty"`
	// Label is a human label for the row (vendor documentation's attribute label).
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Line is the row's line in the YAML file (0 when not parsed from YAML).
	Line int `yaml:"-" json:"-"`
}

// Map is a transform map: how the records of one source become model records.
type Map struct {
	// Name identifies the map (letters, digits, '-', '.', '_').
	Name string `yaml:"name" json:"name"`
	// Description says what the map is for.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Source is the data source whose records the map reads.
	Source model.Source `yaml:"source" json:"source"`
	// Key is the source path of the record's native key (an integer or string).
	Key string `yaml:"key" json:"key"`
	// Rows are the mapping rows, in file order.
	Rows []Row `yaml:"rows" json:"rows"`

	// lines holds the YAML line of the top-level keys, for error messages.
	lines map[string]int
}

//go:embed maps/*.yaml
var defaultMaps embed.FS

// Parse decodes a transform map from YAML. Decoding is strict: an unknown or
// duplicate key is an error naming its line and column. Parse checks only the
// syntax; Validate checks the meaning. filename is used in error messages.
//
// In a flow mapping ("- {source: a[].b, …}") YAML does not allow "[" or "]"
// in an unquoted value; Parse quotes such source paths itself, so rows may be
// written as in the documentation.
func Parse(data []byte, filename string) (*Map, error) {
	data = quoteFlowPaths(data)
	var m Map
	if err := yaml.UnmarshalWithOptions(data, &m, yaml.Strict()); err != nil {
		return nil, yamlError(filename, err)
	}
	// Record the line of every row and top-level key from the syntax tree.
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(filename, err)
	}
	if len(file.Docs) > 0 && file.Docs[0] != nil {
		if root, ok := unwrapMapping(file.Docs[0].Body); ok {
			m.lines = map[string]int{}
			for _, kv := range root.Values {
				key := kv.Key.String()
				m.lines[key] = kv.Key.GetToken().Position.Line
				if key != "rows" {
					continue
				}
				if seq, ok := kv.Value.(*ast.SequenceNode); ok {
					for i, v := range seq.Values {
						if i < len(m.Rows) {
							m.Rows[i].Line = v.GetToken().Position.Line
						}
					}
				}
			}
		}
	}
	return &m, nil
}

// quoteFlowPaths quotes unquoted source paths with "[]" in flow-style rows
// (lines starting with "- {"); other lines are left as they are.
func quoteFlowPaths(data []byte) []byte {
	if !bytes.Contains(data, []byte("[]")) {
		return data
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, l := range lines {
		if flowRowRE.Match(l) {
			lines[i] = flowPathRE.ReplaceAll(l, []byte(`$1"$2"`))
		}
	}
	return bytes.Join(lines, nil)
}

var flowRowRE = regexp.MustCompile(`^[ \t]*-[ \t]*\{`)

// flowPathRE finds an unquoted source path with "[]" in a flow mapping.
var flowPathRE = regexp.MustCompile(`([{,][ \t]*source[ \t]*:[ \t]*)([A-Za-z0-9_.$-]*\[\][A-Za-z0-9_.\[\]$-]*)`)

// unwrapMapping returns the mapping node at the root of a document body.
func unwrapMapping(n ast.Node) (*ast.MappingNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n, true
	case *ast.MappingValueNode:
		return &ast.MappingNode{Values: []*ast.MappingValueNode{n}}, true
	}
	return nil, false
}

// yamlError renders a go-yaml error as "file:line:col: message".
func yamlError(filename string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return fmt.Errorf("%s:%d:%d: %s", filename, p.Line, p.Column, ye.GetMessage())
	}
	return fmt.Errorf("%s: %w", filename, err)
}

// Default returns the YAML of the embedded out-of-box map for source.
func Default(source model.Source) ([]byte, error) {
	data, err := defaultMaps.ReadFile("maps/" + strings.ToLower(string(source)) + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no default transform map for source %q", source)
	}
	return data, nil
}

// DefaultNames returns the names of the embedded out-of-box maps, sorted.
func DefaultNames() []string {
	entries, _ := fs.ReadDir(defaultMaps, "maps")
	var names []string
	for _, e := range entries {
		data, err := defaultMaps.ReadFile("maps/" + e.Name())
		if err != nil {
			continue
		}
		if m, err := Parse(data, e.Name()); err == nil {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return names
}
