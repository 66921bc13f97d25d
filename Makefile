# The two commands of the README; each does all the set-up it needs first.
.PHONY: demo test acceptance lint bench translations screenshots package package-check

demo:
	@scripts/bootstrap.sh
	.venv/bin/xiaonao

# the suite on two workers a core (tests/conftest.py), then the acceptance suite in one process
test:
	@scripts/bootstrap.sh
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -m "not acceptance"
	.venv/bin/python -m pytest -q -m acceptance tests/acceptance

# the real xiaonao under Xvfb at 1920x1080, driven with xdotool (also part of `make test`)
acceptance:
	@scripts/bootstrap.sh
	.venv/bin/python -m pytest -q -m acceptance tests/acceptance

bench:
	@scripts/bootstrap.sh
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench

translations:
	.venv/bin/python resources/i18n/build.py

screenshots:
	@scripts/bootstrap.sh
	mkdir -p shots
	for lang in zh_CN en; do \
	  QT_QPA_PLATFORM=offscreen .venv/bin/xiaonao --lang $$lang --screenshot shots/main_$$lang.png; \
	  QT_QPA_PLATFORM=offscreen .venv/bin/xiaonao --wall --lang $$lang --screenshot shots/wall_$$lang.png; \
	done

package:
	packaging/build.sh

# the frozen build must start and render its first frame (offscreen, its own data dir)
package-check: package
	rm -rf build/frozen-check && mkdir -p build/frozen-check
	QT_QPA_PLATFORM=offscreen XDG_DATA_HOME=$(CURDIR)/build/frozen-check XDG_CONFIG_HOME=$(CURDIR)/build/frozen-check \
	  dist/xiaonao/xiaonao --lang zh_CN --screenshot build/frozen-check/frozen.png | tee build/frozen-check/out.txt
	grep -q "squads; link online" build/frozen-check/out.txt
	# the embedded server serves the field terminal at /m/: its files are in the build
	find dist/xiaonao -path '*server/web/m/index.html' | grep -q . || { echo "the field terminal (server/web/m) is not in the build" >&2; exit 1; }
	# the embedded server's evidence decoders are in the build: a clip's poster frame (PyAV), HEIC, AVIF
	dist/xiaonao/xiaonao --media-check | tee build/frozen-check/media.txt
	grep -q "media check: ok" build/frozen-check/media.txt

# static checks: ruff (lint + import order), mypy against its baseline, the import contracts
lint:
	@scripts/bootstrap.sh
	.venv/bin/ruff check .
	.venv/bin/python scripts/mypy_baseline.py
	.venv/bin/lint-imports
