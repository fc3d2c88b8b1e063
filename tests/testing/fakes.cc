#include "tests/testing/fakes.h"
