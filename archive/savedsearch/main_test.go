package savedsearch_test

import (
	"testing"

	"dossier/archive/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
