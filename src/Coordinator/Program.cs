Console.Error.WriteLine("dpt: not built yet");
return 2;
