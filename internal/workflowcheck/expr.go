package workflowcheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rhysd/actionlint"
)

// scope holds the values an expression may read, by lower-case dotted path
// ("matrix.architecture", "vars.matrixgen_riscv64_runner"). A vars.* name it does not
// hold is the empty string, as GitHub evaluates an unset configuration variable; any
// other missing name is null.
type scope map[string]any

// evalExpr evaluates a GitHub Actions expression (without ${{ }}) in the subset the
// shipped workflows use for runner and step selection: literals, context properties,
// !, &&, ||, ==, !=, startsWith, endsWith, contains, and the status functions (a run
// that is neither cancelled nor failed). Semantics follow GitHub's documentation
// ("Expressions": && and || return an operand; string comparison ignores case).
func evalExpr(src string, sc scope) (any, error) {
	n, perr := actionlint.NewExprParser().Parse(actionlint.NewExprLexer(src + "}}"))
	if perr != nil {
		return nil, fmt.Errorf("expression %q: %s", src, perr.Message)
	}
	return eval(n, sc)
}

func derefPath(n actionlint.ExprNode) (string, bool) {
	switch n := n.(type) {
	case *actionlint.VariableNode:
		return strings.ToLower(n.Name), true
	case *actionlint.ObjectDerefNode:
		p, ok := derefPath(n.Receiver)
		return p + "." + strings.ToLower(n.Property), ok
	}
	return "", false
}

func eval(n actionlint.ExprNode, sc scope) (any, error) {
	switch n := n.(type) {
	case *actionlint.StringNode:
		return n.Value, nil
	case *actionlint.BoolNode:
		return n.Value, nil
	case *actionlint.NullNode:
		return nil, nil
	case *actionlint.IntNode:
		return float64(n.Value), nil
	case *actionlint.FloatNode:
		return n.Value, nil
	case *actionlint.VariableNode, *actionlint.ObjectDerefNode:
		p, ok := derefPath(n)
		if !ok {
			return nil, fmt.Errorf("unsupported property access")
		}
		if v, ok := sc[p]; ok {
			return v, nil
		}
		if strings.HasPrefix(p, "vars.") {
			return "", nil
		}
		return nil, nil
	case *actionlint.NotOpNode:
		v, err := eval(n.Operand, sc)
		return !truthy(v), err
	case *actionlint.LogicalOpNode:
		l, err := eval(n.Left, sc)
		if err != nil {
			return nil, err
		}
		if (n.Kind == actionlint.LogicalOpNodeKindAnd) != truthy(l) {
			return l, nil
		}
		return eval(n.Right, sc)
	case *actionlint.CompareOpNode:
		l, err := eval(n.Left, sc)
		if err != nil {
			return nil, err
		}
		r, err := eval(n.Right, sc)
		if err != nil {
			return nil, err
		}
		switch n.Kind {
		case actionlint.CompareOpNodeKindEq:
			return equal(l, r), nil
		case actionlint.CompareOpNodeKindNotEq:
			return !equal(l, r), nil
		}
		return nil, fmt.Errorf("unsupported comparison %s", n.Kind)
	case *actionlint.FuncCallNode:
		args := make([]string, len(n.Args))
		for i, a := range n.Args {
			v, err := eval(a, sc)
			if err != nil {
				return nil, err
			}
			args[i] = strings.ToLower(toString(v))
		}
		switch strings.ToLower(n.Callee) {
		case "startswith":
			return len(args) == 2 && strings.HasPrefix(args[0], args[1]), nil
		case "endswith":
			return len(args) == 2 && strings.HasSuffix(args[0], args[1]), nil
		case "contains":
			return len(args) == 2 && strings.Contains(args[0], args[1]), nil
		case "success", "always":
			return true, nil
		case "failure", "cancelled":
			return false, nil
		}
		return nil, fmt.Errorf("unsupported function %s", n.Callee)
	}
	return nil, fmt.Errorf("unsupported expression node %T", n)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	}
	return true
}

func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// equal compares as GitHub does for the types used here: strings ignoring case, null equal
// to the empty string (both coerce to 0), otherwise by string form.
func equal(l, r any) bool {
	if l == nil {
		l = ""
	}
	if r == nil {
		r = ""
	}
	return strings.EqualFold(toString(l), toString(r))
}

// interpolate replaces every ${{ X }} in s with X's value.
func interpolate(s string, sc scope) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("unterminated ${{ in %q", s)
		}
		v, err := evalExpr(s[i+3:i+j], sc)
		if err != nil {
			return "", err
		}
		b.WriteString(s[:i])
		b.WriteString(toString(v))
		s = s[i+j+2:]
	}
}

// cond evaluates an if: condition, written with or without ${{ }}; an empty one is true.
func cond(s string, sc scope) (bool, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return true, nil
	}
	if strings.HasPrefix(t, "${{") && strings.HasSuffix(t, "}}") && strings.Count(t, "${{") == 1 {
		t = t[3 : len(t)-2]
	}
	v, err := evalExpr(t, sc)
	return truthy(v), err
}
