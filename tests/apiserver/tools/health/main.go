// Command health runs an Argo CD health check written in Lua, as Argo CD runs it (with
// gopher-lua, a Lua 5.1 implementation, and the object as the global obj), on each of a
// JSON array of objects read from standard input, and prints a JSON array of the
// {"status", "message"} the script returns, in the same order. The script's path is the
// only argument.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	lua "github.com/yuin/gopher-lua"
)

type result struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// value turns decoded JSON into the Lua value Argo CD would hand the script.
func value(L *lua.LState, v interface{}) lua.LValue {
	switch v := v.(type) {
	case map[string]interface{}:
		table := L.NewTable()
		for key, item := range v {
			table.RawSetString(key, value(L, item))
		}
		return table
	case []interface{}:
		table := L.NewTable()
		for _, item := range v {
			table.Append(value(L, item))
		}
		return table
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}

func check(script string, object interface{}) (result, error) {
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("obj", value(L, object))
	if err := L.DoString(script); err != nil {
		return result{}, err
	}
	table, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return result{}, fmt.Errorf("the script returned %s, not a table", L.Get(-1).Type())
	}
	return result{
		Status:  lua.LVAsString(table.RawGetString("status")),
		Message: lua.LVAsString(table.RawGetString("message")),
	}, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: health SCRIPT < objects.json")
		os.Exit(2)
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "health: %v\n", err)
		os.Exit(2)
	}
	var objects []interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&objects); err != nil {
		fmt.Fprintf(os.Stderr, "health: standard input is not a JSON array of objects: %v\n", err)
		os.Exit(2)
	}
	results := make([]result, 0, len(objects))
	for i, object := range objects {
		r, err := check(string(script), object)
		if err != nil {
			fmt.Fprintf(os.Stderr, "health: object %d: %v\n", i, err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintf(os.Stderr, "health: %v\n", err)
		os.Exit(1)
	}
}
