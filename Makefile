# The two commands of the README, plus conveniences. Each installs missing system packages first.
.PHONY: run test bench deps deps-test clean

deps:
	@scripts/ensure-deps.sh

# The tests also drive the explorer in a real terminal (tmux) and run it on other CPUs (qemu-user).
deps-test:
	@scripts/ensure-deps.sh tmux qemu-user

# Build (release) and launch the explorer on the shipped default model and data.
run: deps
	swift build -c release --product latent
	.build/release/latent

# The whole test suite: what CI runs (.ci/run).
test: deps-test
	swift test

# Speed figures (release build).
bench: deps
	swift build -c release --product latent
	.build/release/latent bench gemm
	.build/release/latent bench train
	.build/release/latent bench decode
	.build/release/latent bench ui
	.build/release/latent bench pca --input Weights/data/mnist-train-images-idx3-ubyte.gz

clean:
	rm -rf .build
