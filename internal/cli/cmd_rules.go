package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/store/sqlite"
)

func newRulesCmd(g *globals) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List or change the identification rules (how records become one asset per machine)",
		Long: `Identification rules decide which asset a source record describes. They are
tried in order; each is a set of attributes that must all match; the first
rule that matches an existing asset decides, and a record matching none is a
new asset. Junk values never match (placeholder BIOS serials, all-zero UUIDs,
virtual or locally administered MACs, loopback and link-local IPs, IP-shaped
names). Attributes: ` + strings.Join(attrNames(), ", ") + `.

Changes apply to records identified from then on; assets already identified
keep their identity.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&db, "db", "qflow.db", "SQLite database file")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Show the identification rules in force, in order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRules(cmd, g, db, func(_ *sqlite.Store, rules identify.Rules) error {
				return printRules(g, rules, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the rules as JSON")

	var enable, disable, remove, add []string
	var order string
	var reset bool
	set := &cobra.Command{
		Use:   "set",
		Short: "Switch rules on or off, add, remove or reorder them",
		Example: `  qflow rules set --enable "IP address"
  qflow rules set --disable "MAC address" --disable FQDN
  qflow rules set --add "Name and IP=netbios_domain+ip"
  qflow rules set --order "Qualys host ID,BIOS serial number,Agent ID,Hardware UUID,Cloud instance ID,MAC address,FQDN,NetBIOS name and domain,IP address"
  qflow rules set --reset`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRules(cmd, g, db, func(st *sqlite.Store, rules identify.Rules) error {
				if reset {
					rules = identify.Defaults()
				}
				rules, err := editRules(rules, enable, disable, remove, add, order)
				if err != nil {
					return err
				}
				if err := st.SetRules(cmd.Context(), rules); err != nil {
					return err
				}
				return printRules(g, rules, false)
			})
		},
	}
	fl := set.Flags()
	fl.StringArrayVar(&enable, "enable", nil, "switch the named rule on (repeatable)")
	fl.StringArrayVar(&disable, "disable", nil, "switch the named rule off (repeatable)")
	fl.StringArrayVar(&remove, "remove", nil, "remove the named rule (repeatable)")
	fl.StringArrayVar(&add, "add", nil, `add a rule at the end, "NAME=attr+attr" (repeatable)`)
	fl.StringVar(&order, "order", "", "the new order: every rule's name, comma-separated")
	fl.BoolVar(&reset, "reset", false, "start from the default rules")
	cmd.AddCommand(list, set)
	return cmd
}

// withRules opens the database and calls fn with the rules in force.
func withRules(cmd *cobra.Command, g *globals, db string, fn func(*sqlite.Store, identify.Rules) error) error {
	st, err := sqlite.Open(cmd.Context(), db, g.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	rules, err := st.Rules(cmd.Context())
	if err != nil {
		return err
	}
	return fn(st, rules)
}

func attrNames() []string {
	out := make([]string, len(identify.Attributes))
	for i, a := range identify.Attributes {
		out[i] = string(a)
	}
	return out
}

// editRules applies the set flags to rules; the result is validated by
// the store before it is saved.
func editRules(rules identify.Rules, enable, disable, remove, add []string, order string) (identify.Rules, error) {
	rules = slices.Clone(rules)
	find := func(name string) (int, error) {
		for i, r := range rules {
			if strings.EqualFold(r.Name, name) {
				return i, nil
			}
		}
		var names []string
		for _, r := range rules {
			names = append(names, r.Name)
		}
		return -1, fmt.Errorf("no rule named %q (rules: %s)", name, strings.Join(names, ", "))
	}
	for _, n := range enable {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules[i].Enabled = true
	}
	for _, n := range disable {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules[i].Enabled = false
	}
	for _, n := range remove {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules = slices.Delete(rules, i, i+1)
	}
	for _, spec := range add {
		name, attrs, ok := strings.Cut(spec, "=")
		if !ok || strings.TrimSpace(name) == "" || attrs == "" {
			return nil, fmt.Errorf("--add %q: want NAME=attr+attr (attributes: %s)", spec, strings.Join(attrNames(), ", "))
		}
		r := identify.Rule{Name: strings.TrimSpace(name), Enabled: true}
		for _, a := range strings.Split(attrs, "+") {
			r.Attributes = append(r.Attributes, identify.Attribute(strings.TrimSpace(a)))
		}
		rules = append(rules, r)
	}
	if order != "" {
		names := strings.Split(order, ",")
		if len(names) != len(rules) {
			return nil, fmt.Errorf("--order names %d rules, there are %d: name each once", len(names), len(rules))
		}
		var out identify.Rules
		for _, n := range names {
			i, err := find(strings.TrimSpace(n))
			if err != nil {
				return nil, err
			}
			out = append(out, rules[i])
		}
		rules = out
	}
	return rules, nil
}

func printRules(g *globals, rules identify.Rules, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(g.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tRULE\tATTRIBUTES\tENABLED")
	for i, r := range rules {
		var attrs []string
		for _, a := range r.Attributes {
			attrs = append(attrs, string(a))
		}
		on := "off"
		if r.Enabled {
			on = "on"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, r.Name, strings.Join(attrs, " + "), on)
	}
	return tw.Flush()
}
