// Command etcd is etcd's own main, built from the module proxy at the version
// this module pins, for the end-to-end tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
