"""Start LetterLens: python3 dev.py run (or python main.py inside the venv)."""
from gui.app import main

raise SystemExit(main())
