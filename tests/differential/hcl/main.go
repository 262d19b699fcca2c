// hcl-templates: prints, for every outermost template of a Terraform file (a quoted string or
// a heredoc), the text Go's hclsyntax makes of it, with each interpolation or directive
// (`${...}`, `%{ if }...%{ endif }`) written as U+0001, keyed by the template's first byte.
// The differential test (tests/terraform_differential.rs) compares ovpn6-lint's reading with it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func main() {
	src, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	file, diags := hclsyntax.ParseConfig(src, os.Args[1], hcl.InitialPos)
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags.Error())
		os.Exit(1)
	}
	skeletons := map[string]string{}
	outer := []hcl.Range{}
	inside := func(r hcl.Range) bool {
		for _, o := range outer {
			if r.Start.Byte >= o.Start.Byte && r.End.Byte <= o.End.Byte {
				return true
			}
		}
		return false
	}
	hclsyntax.VisitAll(file.Body.(*hclsyntax.Body), func(node hclsyntax.Node) hcl.Diagnostics {
		switch template := node.(type) {
		case *hclsyntax.TemplateExpr:
			if inside(template.SrcRange) {
				return nil
			}
			outer = append(outer, template.SrcRange)
			text := ""
			for _, expr := range template.Parts {
				if literal, ok := expr.(*hclsyntax.LiteralValueExpr); ok && literal.Val.Type().FriendlyName() == "string" {
					text += literal.Val.AsString()
				} else {
					text += "\x01"
				}
			}
			skeletons[strconv.Itoa(template.SrcRange.Start.Byte)] = text
		case *hclsyntax.TemplateWrapExpr:
			if inside(template.SrcRange) {
				return nil
			}
			outer = append(outer, template.SrcRange)
			skeletons[strconv.Itoa(template.SrcRange.Start.Byte)] = "\x01"
		}
		return nil
	})
	out, _ := json.Marshal(skeletons)
	fmt.Println(string(out))
}
