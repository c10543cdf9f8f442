package ossserver_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The official SDK v2's operations, read from its own source in the module
// cache: each Client method builds an OperationInput with its OpName,
// Method, Parameters and Headers, and its request type tags the query
// parameters and headers it sends. The API-name and sub-resource tests
// take their cases from here, so a newer SDK brings its new operations in.

const sdkV2Module = "github.com/aliyun/alibabacloud-oss-go-sdk-v2"

// sdkV2Op is one operation as the SDK v2 sends it.
type sdkV2Op struct {
	name, method string
	bucket, key  bool
	// query is what the SDK always sends: Parameters with their values,
	// the signed sub-resources and the required query fields (value "1").
	query map[string]string
	// headers are the header names the SDK always sends.
	headers []string
	// optional are the query fields the caller may add.
	optional []string
}

var sdkV2Ops = sync.OnceValues(func() ([]sdkV2Op, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", sdkV2Module).Output()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "oss", "api_op_*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, af)
	}
	fields := sdkRequestFields(parsed)
	var ops []sdkV2Op
	for _, af := range parsed {
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Body != nil {
				ops = append(ops, sdkOpsOf(fd, fields)...)
			}
		}
	}
	return ops, nil
})

// sdkField is a request struct field tagged input:"query,..." or "header,...".
type sdkField struct {
	where, name string
	required    bool
}

// sdkRequestFields maps each request type to its query and header fields.
func sdkRequestFields(files []*ast.File) map[string][]sdkField {
	m := map[string][]sdkField{}
	for _, af := range files {
		ast.Inspect(af, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, f := range st.Fields.List {
				if f.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(f.Tag.Value)
				parts := strings.Split(reflect.StructTag(tag).Get("input"), ",")
				if len(parts) >= 2 && (parts[0] == "query" || parts[0] == "header") {
					m[ts.Name.Name] = append(m[ts.Name.Name], sdkField{parts[0], parts[1], slices.Contains(parts[2:], "required")})
				}
			}
			return false
		})
	}
	return m
}

// sdkOpsOf reads the OperationInput a Client method builds.
func sdkOpsOf(fd *ast.FuncDecl, fields map[string][]sdkField) []sdkV2Op {
	var reqType string
	for _, p := range fd.Type.Params.List {
		if star, ok := p.Type.(*ast.StarExpr); ok && len(p.Names) == 1 && p.Names[0].Name == "request" {
			if id, ok := star.X.(*ast.Ident); ok {
				reqType = id.Name
			}
		}
	}
	var subResources []string
	var ops []sdkV2Op
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Set" && len(n.Args) == 2 && sdkExprName(n.Args[0]) == "signer.SubResource" {
				subResources = sdkStrings(n.Args[1])
			}
		case *ast.CompositeLit:
			if id, ok := n.Type.(*ast.Ident); ok && id.Name == "OperationInput" {
				ops = append(ops, sdkOpOf(n))
			}
		}
		return true
	})
	for i := range ops {
		op := &ops[i]
		for _, s := range subResources {
			if _, ok := op.query[s]; !ok {
				op.query[s] = ""
			}
		}
		for _, f := range fields[reqType] {
			switch {
			case f.where == "header" && f.required:
				op.headers = append(op.headers, f.name)
			case f.where == "query" && f.required:
				if _, ok := op.query[f.name]; !ok {
					op.query[f.name] = "1"
				}
			case f.where == "query":
				op.optional = append(op.optional, f.name)
			}
		}
	}
	return ops
}

func sdkOpOf(lit *ast.CompositeLit) sdkV2Op {
	op := sdkV2Op{query: map[string]string{}}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		switch sdkExprName(kv.Key) {
		case "OpName":
			op.name = sdkString(kv.Value)
		case "Method":
			op.method = sdkString(kv.Value)
		case "Bucket":
			op.bucket = true
		case "Key":
			op.key = true
		case "Parameters":
			for _, p := range kv.Value.(*ast.CompositeLit).Elts {
				pkv := p.(*ast.KeyValueExpr)
				op.query[sdkString(pkv.Key)] = sdkString(pkv.Value)
			}
		case "Headers":
			for _, h := range kv.Value.(*ast.CompositeLit).Elts {
				if name := sdkString(h.(*ast.KeyValueExpr).Key); name != "" { // constants name Content-Type & co.
					op.headers = append(op.headers, name)
				}
			}
		}
	}
	return op
}

func sdkExprName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return sdkExprName(e.X) + "." + e.Sel.Name
	}
	return ""
}

// sdkString is the value of a string literal, or "" for anything else.
func sdkString(e ast.Expr) string {
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		s, _ := strconv.Unquote(lit.Value)
		return s
	}
	return ""
}

func sdkStrings(e ast.Expr) []string {
	var out []string
	if lit, ok := e.(*ast.CompositeLit); ok {
		for _, el := range lit.Elts {
			out = append(out, sdkString(el))
		}
	}
	return out
}

// loadSDKV2Ops returns the SDK v2's operations, failing the test if its
// source cannot be read (it is a dependency: go test has it).
func loadSDKV2Ops(t *testing.T) []sdkV2Op {
	t.Helper()
	ops, err := sdkV2Ops()
	if err != nil {
		t.Fatalf("reading the SDK v2's operations from its source: %v", err)
	}
	if len(ops) < 150 {
		t.Fatalf("read only %d operations from the SDK v2's source; the reader no longer understands it", len(ops))
	}
	return ops
}
