import sys

from screening_service.cli import main

sys.exit(main())
