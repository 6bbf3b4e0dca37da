# The two commands of the README, plus conveniences. Each installs missing system packages first.
.PHONY: run test bench deps clean

deps:
	@scripts/ensure-deps.sh

# Build (release) and launch the explorer on the shipped default model and data.
run: deps
	swift build -c release --product latent
	.build/release/latent

# The whole test suite: what CI runs (.ci/run).
test: deps
	swift test

# Speed figures (release build).
bench: deps
	swift build -c release --product latent
	.build/release/latent bench gemm
	.build/release/latent bench train
	.build/release/latent bench decode

clean:
	rm -rf .build
