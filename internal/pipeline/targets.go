package pipeline

import (
	"github.com/policygen/policygen/internal/target"
	"github.com/policygen/policygen/internal/target/bundle"
	"github.com/policygen/policygen/internal/target/conftest"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/gatekeepercel"
	"github.com/policygen/policygen/internal/target/vap"
)

// Targets are every output policygen renders, in rendering order (a
// target may read what the targets before it rendered: the bundle packs
// the conftest modules). Adding a target is one line here.
var Targets = []target.Target{
	gatekeeper.Target{},
	gatekeepercel.Target{},
	vap.Target{},
	conftest.Target{},
	bundle.Target{},
}
