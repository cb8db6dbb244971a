# Rally's everyday commands. `make` lists them. Each target is one line calling the real
# command, so everything here also works by hand; ARGS goes to the rally command or to cargo
# (`make simulate ARGS="--help"`).

.DEFAULT_GOAL := help
SHELL := /bin/bash
CARGO ?= cargo
ARGS ?=

# The services `make up` starts, as `make serve-scaled` uses them.
DEV_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rally
DEV_REDIS_URL ?= redis://127.0.0.1:6379
DEV_NATS_URL ?= nats://127.0.0.1:4222
SCALED := RALLY_DATABASE_URL=$(DEV_DATABASE_URL) RALLY_REDIS_URL=$(DEV_REDIS_URL) RALLY_NATS_URL=$(DEV_NATS_URL)

# The crates whose API others build on.
DOC_CRATES := rally-engine rally-protocol rally-sdk

.PHONY: help up down serve serve-scaled seed test lint bench simulate coverage docs

help: ## List the targets (the default)
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  make %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

up: ## Start PostgreSQL, Redis and NATS (docker compose, else the local services)
	scripts/services-up

down: ## Stop the services that `make up` started, and only those
	scripts/services-down

serve: ## Run Rally embedded (SQLite, in-process state and events) on :8080
	$(CARGO) run --release -- serve $(ARGS)

serve-scaled: up ## Run Rally on the local PostgreSQL, Redis and NATS
	$(SCALED) $(CARGO) run --release -- serve $(ARGS)

seed: ## Fill the database with demo players, parties, matches and a leaderboard
	$(CARGO) run --release -- seed $(ARGS)

test: ## The whole test suite, as CI runs it (scripts/test)
	scripts/test

lint: ## rustfmt check, clippy with warnings denied, actionlint on the CI workflow
	scripts/lint

bench: ## The engine's criterion benchmarks (reports in target/criterion/)
	$(CARGO) bench -p rally-engine $(ARGS)

simulate: ## A population through the matchmaker in virtual time (rally simulate)
	$(CARGO) run --release -- simulate $(ARGS)

coverage: ## Line coverage of the tests (cargo-tarpaulin) in target/coverage/
	scripts/coverage $(ARGS)

docs: ## Rustdoc of the public crates in target/doc/
	$(CARGO) doc --no-deps $(addprefix -p ,$(DOC_CRATES)) $(ARGS)
