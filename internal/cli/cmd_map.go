package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/transform"
)

// Where a map comes from.
const (
	originBuiltin  = "built-in" // embedded in the binary
	originImported = "imported" // transform_maps, by qflow map import
	originFile     = "file"     // a file named by sync --map
	originRun      = "run"      // run_maps: the map a past run used
)

// namedMap is a transform map with where it came from and its exact text.
type namedMap struct {
	Name        string
	Source      string
	Description string
	Origin      string
	Hash        string
	Rows        int
	YAML        []byte
	m           *transform.Map // parsed; nil when the text no longer parses
}

// builtinSources are the sources with an out-of-box map, in display order.
var builtinSources = []model.Source{model.SourceCSAM, model.SourceVMDR, model.SourceKB}

// builtinMaps returns the embedded out-of-box maps, compiled.
func builtinMaps(cat *model.Catalog) ([]namedMap, error) {
	var out []namedMap
	for _, src := range builtinSources {
		data, err := transform.Default(src)
		if err != nil {
			return nil, err
		}
		c, err := transform.Load(data, strings.ToLower(string(src))+"-default", cat)
		if err != nil {
			return nil, fmt.Errorf("built-in map of %s: %w", src, err)
		}
		out = append(out, compiledMap(c, data, originBuiltin))
	}
	return out, nil
}

func compiledMap(c *transform.Compiled, data []byte, origin string) namedMap {
	m := c.Map()
	return namedMap{Name: m.Name, Source: string(m.Source), Description: m.Description, Origin: origin,
		Hash: c.Hash(), Rows: len(m.Rows), YAML: data, m: m}
}

// storedMap turns a map kept in the database into a namedMap; the text is
// parsed (not validated) for its rows.
func storedMap(s store.StoredMap, origin string) namedMap {
	nm := namedMap{Name: s.Name, Source: s.Source, Description: s.Description, Origin: origin, Hash: s.Hash, YAML: []byte(s.YAML)}
	if m, err := transform.Parse(nm.YAML, s.Name); err == nil {
		nm.m, nm.Rows = m, len(m.Rows)
		nm.Source, nm.Description = string(m.Source), m.Description
	}
	return nm
}

func isBuiltinName(name string) bool { return slices.Contains(transform.DefaultNames(), name) }

// openMapStore opens the database of user maps. Unless create is set, a
// SQLite database that does not exist is not created: st is nil.
func openMapStore(ctx context.Context, g *globals, d dbFlags, create bool) (store.Store, error) {
	mode := openIfExists
	if create {
		mode = openCreate
	}
	return openStore(ctx, g, d, mode, g.logger())
}

// findMap looks name up among the imported maps of st (which may be nil),
// then among the built-in maps. The error lists the names there are.
func findMap(ctx context.Context, st store.Store, name string) (namedMap, error) {
	if st != nil {
		sm, err := st.Map(ctx, name)
		if err == nil {
			return storedMap(sm, originImported), nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return namedMap{}, err
		}
	}
	bs, err := builtinMaps(model.NewCatalog())
	if err != nil {
		return namedMap{}, err
	}
	for _, b := range bs {
		if b.Name == name {
			return b, nil
		}
	}
	names, err := mapNames(ctx, st)
	if err != nil {
		return namedMap{}, err
	}
	return namedMap{}, fmt.Errorf("no map called %q (maps: %s)", name, strings.Join(names, ", "))
}

// mapNames returns the names of the built-in maps and of st's imported maps.
func mapNames(ctx context.Context, st store.Store) ([]string, error) {
	names := transform.DefaultNames()
	if st != nil {
		ms, err := st.Maps(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			names = append(names, m.Name)
		}
	}
	return names, nil
}

// invalidMap renders Load's error: every problem on its own line.
func invalidMap(file string, err error) error {
	n := 1
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		n = len(j.Unwrap())
	}
	problems := "1 problem"
	if n != 1 {
		problems = fmt.Sprintf("%d problems", n)
	}
	return fmt.Errorf("%s is not a valid transform map (%s):\n%w", file, problems, err)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func newMapCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "map",
		Short: "List, show, export, import and validate transform maps",
		Long: `Transform maps say how Qualys records become qflow's model (docs/transform-maps.md).

The built-in maps csam-default, vmdr-default and kb-default are part of the
binary. Maps of your own are imported into the database (--db) and used by
name: qflow sync --map NAME. To start from a built-in map:

  qflow map export csam-default > my-csam.yaml
  # edit: change name:, drop, change or add rows
  qflow map validate my-csam.yaml
  qflow map import my-csam.yaml
  qflow sync --map my-csam …`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newMapListCmd(g), newMapShowCmd(g, false), newMapShowCmd(g, true), newMapImportCmd(g), newMapValidateCmd(g))
	return cmd
}

// mapListEntry is one map in `qflow map list --json`.
type mapListEntry struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	Rows        int    `json:"rows"`
	Origin      string `json:"origin"`
	Hash        string `json:"hash"`
	Description string `json:"description"`
}

func newMapListCmd(g *globals) *cobra.Command {
	var db dbFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the built-in and imported maps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			maps, err := builtinMaps(model.NewCatalog())
			if err != nil {
				return err
			}
			st, err := openMapStore(ctx, g, db, false)
			if err != nil {
				return err
			}
			if st != nil {
				defer st.Close()
				ms, err := st.Maps(ctx)
				if err != nil {
					return err
				}
				for _, m := range ms {
					maps = append(maps, storedMap(m, originImported))
				}
			}
			if asJSON {
				out := make([]mapListEntry, 0, len(maps))
				for _, m := range maps {
					out = append(out, mapListEntry{Name: m.Name, Source: m.Source, Rows: m.Rows, Origin: m.Origin, Hash: m.Hash, Description: m.Description})
				}
				return json.NewEncoder(g.env.Stdout).Encode(out)
			}
			tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSOURCE\tROWS\tORIGIN\tHASH\tDESCRIPTION")
			for _, m := range maps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", m.Name, m.Source, m.Rows, m.Origin, shortHash(m.Hash), m.Description)
			}
			return tw.Flush()
		},
	}
	db.register(cmd.Flags(), "holding the imported maps")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of {name, source, rows, origin, hash, description}")
	return cmd
}

// newMapShowCmd builds `map show` (a readable table) or, with export set,
// `map export` (the YAML text exactly).
func newMapShowCmd(g *globals, export bool) *cobra.Command {
	var db dbFlags
	var hash string
	cmd := &cobra.Command{
		Use:   "show NAME | --hash H",
		Short: "Show a map's header and rows",
		Example: `  qflow map show csam-default
  qflow map show --hash 3f2a9c01d4e7   # the map a run used (runs.map_hash, or a prefix of it)`,
		Args: cobra.MaximumNArgs(1),
	}
	if export {
		cmd.Use = "export NAME | --hash H"
		cmd.Short = "Print a map's YAML (to edit and import)"
		cmd.Example = `  qflow map export csam-default > my-csam.yaml
  qflow map export --hash 3f2a9c01d4e7 > used.yaml`
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if (len(args) == 1) == (hash != "") {
			return errors.New("name a map or give --hash, not both")
		}
		st, err := openMapStore(ctx, g, db, false)
		if err != nil {
			return err
		}
		if st != nil {
			defer st.Close()
		}
		var m namedMap
		if hash != "" {
			if st == nil {
				return fmt.Errorf("no database %s: runs and their maps are kept there", db.label(g))
			}
			sm, err := st.RunMap(ctx, hash)
			if err != nil {
				return err
			}
			m = storedMap(sm, originRun)
		} else if m, err = findMap(ctx, st, args[0]); err != nil {
			return err
		}
		if export {
			_, err := g.env.Stdout.Write(m.YAML)
			return err
		}
		return printMap(g, m)
	}
	db.register(cmd.Flags(), "holding the imported maps and the runs")
	cmd.Flags().StringVar(&hash, "hash", "", "the map a run used: its hash (runs.map_hash) or a prefix of at least 6 characters")
	return cmd
}

func printMap(g *globals, m namedMap) error {
	w := g.env.Stdout
	if m.m == nil {
		return fmt.Errorf("map %s no longer parses: see qflow map export", m.Name)
	}
	fmt.Fprintf(w, "name:        %s (%s)\n", m.Name, m.Origin)
	fmt.Fprintf(w, "source:      %s\n", m.Source)
	fmt.Fprintf(w, "key:         %s\n", m.m.Key)
	fmt.Fprintf(w, "description: %s\n", m.Description)
	fmt.Fprintf(w, "hash:        %s\n", m.Hash)
	fmt.Fprintf(w, "rows:        %d\n\n", m.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tSOURCE PATH\tTYPE\tTARGET\tNORMALIZER\tLABEL")
	for i, r := range m.m.Rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", i+1, r.Source, r.Type, r.Target, r.Normalizer, r.Label)
	}
	return tw.Flush()
}

func newMapImportCmd(g *globals) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Validate a map file and store it in the database under its name",
		Long: `Validates FILE and stores it in the database under the map's name; a map of
that name is replaced. A map that does not validate is refused with all its
problems and nothing is written. The built-in names are reserved.`,
		Example: `  qflow map import my-csam.yaml --db qflow.db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			c, err := transform.Load(data, args[0], model.NewCatalog())
			if err != nil {
				return invalidMap(args[0], err)
			}
			nm := compiledMap(c, data, originImported)
			if isBuiltinName(nm.Name) {
				return fmt.Errorf("name %s is a built-in map: change name: in the file", nm.Name)
			}
			st, err := openMapStore(ctx, g, db, true)
			if err != nil {
				return err
			}
			defer st.Close()
			created, err := st.SaveMap(ctx, store.StoredMap{Name: nm.Name, Source: nm.Source, Description: nm.Description, YAML: string(data), Hash: nm.Hash})
			if err != nil {
				return err
			}
			verb := "updated"
			if created {
				verb = "imported"
			}
			fmt.Fprintf(g.env.Stdout, "%s: %s (%s, %d rows, hash %s) in %s\n", verb, nm.Name, nm.Source, nm.Rows, shortHash(nm.Hash), st.Location())
			return nil
		},
	}
	db.register(cmd.Flags(), "to store the map in")
	return cmd
}

func newMapValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "validate FILE",
		Short:   "Check a map file and list every problem with its row",
		Example: `  qflow map validate my-csam.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			c, err := transform.Load(data, args[0], model.NewCatalog())
			if err != nil {
				return invalidMap(args[0], err)
			}
			m := c.Map()
			fmt.Fprintf(g.env.Stdout, "ok: %s (%s, %d rows)\n", m.Name, m.Source, len(m.Rows))
			if isBuiltinName(m.Name) {
				fmt.Fprintf(g.env.Stderr, "note: %s is a built-in name: change name: in the file before importing it\n", m.Name)
			}
			return nil
		},
	}
}
