import sys
from pathlib import Path

# Tier 1 imports the app's frappe-free package straight from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
