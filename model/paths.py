"""Where things live."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_WEIGHTS = PROJECT_ROOT / "weights" / "letternet.pt"
