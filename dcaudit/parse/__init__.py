"""An HTML page decoded and parsed once (:mod:`~dcaudit.parse.document`), by the crawl that
fetched it, and read by every later stage; markup nested deeper than the parser goes is made
shallow first (:mod:`~dcaudit.parse.nesting`)."""
