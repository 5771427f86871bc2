       01  CBS-POSTING-RECORD.
           05  REC-TYPE              PIC X(1).
      *        'H' header, 'D' detail, 'T' trailer
       01  CBS-HEADER REDEFINES CBS-POSTING-RECORD.
           05  FILLER                PIC X(1).
           05  HDR-BUSINESS-DATE     PIC 9(8).
           05  HDR-SOURCE            PIC X(8).
           05  HDR-FILE-SEQ          PIC 9(3).
           05  FILLER                PIC X(100).
       01  CBS-DETAIL REDEFINES CBS-POSTING-RECORD.
           05  FILLER                PIC X(1).
           05  DTL-TXN-REF           PIC X(16).
           05  DTL-ACCOUNT-NO        PIC X(12).
           05  DTL-TXN-CODE          PIC X(3).
      *        DEP deposit, WDL withdrawal, FEE fee, INT interest, REV reversal
           05  DTL-AMOUNT            PIC S9(11)V99 COMP-3.
      *        7 bytes packed decimal, sign nibble C (+), D (-) or F (unsigned)
           05  DTL-CURRENCY          PIC X(3).
           05  DTL-VALUE-DATE        PIC 9(8).
           05  DTL-NARRATIVE         PIC X(30).
           05  DTL-REVERSES-REF      PIC X(16).
      *        only for REV: the TXN-REF being reversed, else spaces
           05  FILLER                PIC X(24).
       01  CBS-TRAILER REDEFINES CBS-POSTING-RECORD.
           05  FILLER                PIC X(1).
           05  TRL-RECORD-COUNT      PIC 9(9).
      *        number of D records
           05  TRL-TOTAL-AMOUNT      PIC S9(15)V99 COMP-3.
      *        9 bytes packed: sum of DTL-AMOUNT over all D records
           05  FILLER                PIC X(101).
