"""The hall's call screen (叫号屏): who goes to which window, waits per queue, notices. Display role."""
