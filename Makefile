# The README's two commands. Each installs the Debian packages it needs when they are missing.
DEBS := pkg-config libsndfile1-dev libfftw3-dev libpng-dev zlib1g-dev \
        libsoxr-dev libfreetype-dev fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: reproduce test deps build baseline-check

reproduce: deps
	swift build -c release --product lab
	.build/release/lab reproduce results

test: deps
	swift test --disable-swift-testing

build: deps
	swift build -c release --product lab

deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Same bits from the SSE2 baseline build as from the AVX2 one (docs/determinism.md).
baseline-check: deps
	bash scripts/baseline-check.sh
