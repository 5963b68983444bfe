# Two commands: `make run` serves the example team; `make test` proves it works.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO   := demo
DEMO_DB := sqlite:///$(DEMO)/muster.db

.PHONY: run test lint install clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@test -f $(DEMO)/muster.yaml || $(BIN)/muster init $(DEMO) >/dev/null
	@test -s $(DEMO)/admin-token || MUSTER_DATABASE_URL=$(DEMO_DB) $(BIN)/muster token create admin --admin --label "make run" > $(DEMO)/admin-token
	@echo ""
	@echo "  Muster with the example team in $(DEMO)/ (plan: $(DEMO)/muster.yaml)"
	@echo "  In another terminal:"
	@echo "    export MUSTER_URL=http://127.0.0.1:8000 MUSTER_TOKEN=$$(cat $(DEMO)/admin-token) PATH=$$PWD/$(BIN):\$$PATH"
	@echo "    muster declare \"Logins failing\" --severity SEV1 --service auth"
	@echo "  Web app: set a password, then sign in at http://127.0.0.1:8000/signin"
	@echo "    MUSTER_DATABASE_URL=$(DEMO_DB) $(BIN)/muster user set-password carol"
	@echo ""
	MUSTER_DATABASE_URL=$(DEMO_DB) $(BIN)/muster serve --plan $(DEMO)/muster.yaml

test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
