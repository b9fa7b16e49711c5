// dpt-worker: joins a coordinator as a worker (cluster mode arrives with the cluster issue).
Console.Error.WriteLine("dpt-worker: cluster mode is not built yet; use 'dpt train' for local mode.");
return 2;
