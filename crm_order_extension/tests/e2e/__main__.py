import sys

from crm_order_extension.tests.e2e.runner import main

sys.exit(main())
